"""Mistake: softmax_rows() divides by e.sum(dim=0, keepdim=True), the column sums.

Each column then sums to 1 instead of each row: the softmax runs over the wrong axis.
"""

CAUGHT_BY = "normalised over dim 0"
REJECTED_BY = "test_softmax_rows_backward_works_and_matches_torch"


def softmax_rows(x):
    e = (x - x.amax(dim=-1, keepdim=True).detach()).exp()
    return e / e.sum(dim=0, keepdim=True)
