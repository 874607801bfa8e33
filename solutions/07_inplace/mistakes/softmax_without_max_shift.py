"""Mistake: softmax_rows() exponentiates x directly, without subtracting the row max.

exp(1000) is inf in float32, and inf / inf is nan.
"""

CAUGHT_BY = "subtract each row's max"
REJECTED_BY = "test_softmax_rows_does_not_overflow"


def softmax_rows(x):
    e = x.exp()
    return e / e.sum(dim=-1, keepdim=True)
