"""Mistake: the plain straight-through estimator, gradient passed everywhere.

The kata asks for the clipped version (the hardtanh derivative): without the |x| <= 1
mask, weights far from 0 keep receiving gradients and drift without bound.
"""

import torch

CAUGHT_BY = "outside [-1, 1]"
REJECTED_BY = "test_binarize_gradient_is_straight_through_inside_unit_interval"


class BinarizeSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        one = torch.ones((), dtype=x.dtype, device=x.device)
        return torch.where(x >= 0, one, -one)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


def binarize(x):
    return BinarizeSTE.apply(x)
