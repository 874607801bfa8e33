"""Mistake: outer() calls a.unsqueeze_(1) and b.unsqueeze_(0), reshaping the caller's tensors."""

CAUGHT_BY = "unsqueeze_(...) reshapes it"
REJECTED_BY = "test_outer_matches_loop"


def outer(a, b, op):
    return op(a.unsqueeze_(1), b.unsqueeze_(0))
