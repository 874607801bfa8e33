"""Mistake: subtracting the max of the whole tensor instead of each row's.

A row far below the global max underflows to all zeros: 0 / 0 = NaN.
"""

import torch

CAUGHT_BY = "not the max of the whole tensor"
REJECTED_BY = "test_softmax_finite_for_extreme_inputs"


def softmax(x, dim=-1):
    e = torch.exp(x - x.max())
    return e / e.sum(dim=dim, keepdim=True)
