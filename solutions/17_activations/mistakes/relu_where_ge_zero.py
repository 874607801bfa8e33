"""Mistake: relu as torch.where(x >= 0, x, 0), with >= where torch uses >.

The values are the same (x is 0 there), but at exactly 0 the gradient flows through the x
branch: 1, where torch.relu's is 0.
"""

import torch

CAUGHT_BY = "x >= 0 in the where"
REJECTED_BY = "test_relu_gradient_at_exactly_zero"


def relu(x):
    return torch.where(x >= 0, x, torch.zeros_like(x))
