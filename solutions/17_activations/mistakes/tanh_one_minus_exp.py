"""Mistake: tanh(|x|) as (1 - exp(-2|x|)) / (1 + exp(-2|x|)), with exp instead of expm1.

Stable at +-1000, but for tiny x exp(-2|x|) rounds to 1 and 1 - 1 cancels: tanh(1e-8) comes
out 0, where torch gives 1e-8.
"""

import torch

CAUGHT_BY = "Use -expm1(-2|x|)"
REJECTED_BY = "test_tanh_keeps_relative_precision_near_zero"


def tanh(x):
    m = 2 * torch.where(x >= 0, -x, x)  # -2|x|
    t = (1 - torch.exp(m)) / (1 + torch.exp(m))
    return torch.where(x >= 0, t, -t)
