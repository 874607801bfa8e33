"""Mistake: softmax_rows() shifts every row by the max of the whole tensor, x - x.max().

The shift cancels out mathematically, but a row far below the global max underflows:
exp(-2001) is 0 in float32, and that row becomes 0 / 0 = nan.
"""

CAUGHT_BY = "instead of each row's own max"
REJECTED_BY = "test_softmax_rows_does_not_overflow"


def softmax_rows(x):
    e = (x - x.max().detach()).exp()
    return e / e.sum(dim=-1, keepdim=True)
