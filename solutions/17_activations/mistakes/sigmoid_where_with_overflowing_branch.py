"""Mistake: torch.where between two sigmoid formulas, each evaluated on every x.

The forward pass picks the safe formula, but the unpicked branch still overflows to inf, and
where's backward multiplies that inf by 0: NaN gradients at +-1000.
"""

import torch

CAUGHT_BY = "torch.where"
REJECTED_BY = "test_sigmoid_finite_for_extreme_inputs"


def sigmoid(x):
    return torch.where(x >= 0, 1 / (1 + torch.exp(-x)), torch.exp(x) / (1 + torch.exp(x)))
