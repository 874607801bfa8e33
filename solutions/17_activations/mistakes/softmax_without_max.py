"""Mistake: softmax as exp(x) / exp(x).sum(dim), with no max subtracted.

exp(1000) is inf, and inf / inf is NaN.
"""

import torch

CAUGHT_BY = "before subtracting the max"
REJECTED_BY = "test_softmax_finite_for_extreme_inputs"


def softmax(x, dim=-1):
    e = torch.exp(x)
    return e / e.sum(dim=dim, keepdim=True)
