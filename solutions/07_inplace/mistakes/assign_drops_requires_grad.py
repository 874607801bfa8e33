"""Mistake: assign_() turns off requires_grad to get past the leaf error, and never back on.

w.requires_grad_(False) makes the in-place copy legal, but w is then no longer trained: no
gradient reaches it and an optimiser's step does nothing to it.
"""

CAUGHT_BY = "no longer requires grad"
REJECTED_BY = "test_assign_writes_into_the_leaf"


def assign_(w, values):
    w.requires_grad_(False)
    w.copy_(values)
    return w
