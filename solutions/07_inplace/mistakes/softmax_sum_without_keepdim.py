"""Mistake: softmax_rows() divides by e.sum(dim=-1) without keepdim=True.

The (N,) row sums broadcast against the last dimension, so column j is divided by row j's
sum: wrong for a square x, a shape error for most others, right only for a single row.
"""

CAUGHT_BY = "without keepdim=True"
REJECTED_BY = "test_softmax_rows_backward_works_and_matches_torch"


def softmax_rows(x):
    e = (x - x.amax(dim=-1, keepdim=True).detach()).exp()
    return e / e.sum(dim=-1)
