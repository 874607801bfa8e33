"""Mistake: torch.where(x > 0, 1, -1), a strict comparison.

The docstring maps x >= 0 to +1; with x > 0 an exact zero becomes -1.
"""

import torch

CAUGHT_BY = "x > 0 sends 0 to -1"
REJECTED_BY = "test_binarize_forward_is_plus_minus_one"


class BinarizeSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        one = torch.ones((), dtype=x.dtype, device=x.device)
        return torch.where(x > 0, one, -one)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * (x.abs() <= 1).to(grad_output.dtype)


def binarize(x):
    return BinarizeSTE.apply(x)
