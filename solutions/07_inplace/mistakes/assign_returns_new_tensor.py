"""Mistake: assign_() returns a fresh leaf made from values instead of changing w.

The caller's w, and any optimiser holding it, never see the new values.
"""

CAUGHT_BY = "returned a new tensor instead of w itself"
REJECTED_BY = "test_assign_writes_into_the_leaf"


def assign_(w, values):
    return values.detach().clone().to(w.dtype).requires_grad_(True)
