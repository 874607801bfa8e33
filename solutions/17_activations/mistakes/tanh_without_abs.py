"""Mistake: tanh as (1 - exp(-2x)) / (1 + exp(-2x)), a rewrite that forgot the |x|.

Fine for x >= 0, but for x = -1000 exp(2000) overflows: inf / inf is NaN.
"""

import torch

CAUGHT_BY = "exp(-2x) without the |x|"
REJECTED_BY = "test_tanh_finite_for_extreme_inputs"


def tanh(x):
    e = torch.exp(-2 * x)
    return -torch.expm1(-2 * x) / (1 + e)
