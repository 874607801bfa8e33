"""Mistake: assign_() calls w.copy_(values) outside torch.no_grad().

An in-place op on a leaf that requires grad is refused: "a leaf Variable that requires
grad is being used in an in-place operation".
"""

CAUGHT_BY = "outside torch.no_grad()"
REJECTED_BY = "test_assign_writes_into_the_leaf"


def assign_(w, values):
    w.copy_(values)
    return w
