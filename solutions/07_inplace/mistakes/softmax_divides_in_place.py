"""Mistake: softmax_rows() normalises with e /= e.sum(...), in place.

exp saves its output for backward; dividing it in place bumps its version counter and
backward raises "one of the variables needed for gradient computation has been modified
by an inplace operation".
"""

CAUGHT_BY = "an in-place write"
REJECTED_BY = "test_softmax_rows_backward_works_and_matches_torch"


def softmax_rows(x):
    e = (x - x.amax(dim=-1, keepdim=True).detach()).exp()
    e /= e.sum(dim=-1, keepdim=True)
    return e
