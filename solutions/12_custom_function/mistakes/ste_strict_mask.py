"""Mistake: the straight-through mask |x| < 1, bounds excluded.

The docstring passes the gradient where |x| <= 1: at exactly +-1 (where clipped latent
weights sit) this answer blocks it.
"""

import torch

CAUGHT_BY = "the mask |x| < 1"
REJECTED_BY = "test_binarize_gradient_passes_at_exactly_plus_minus_one"


class BinarizeSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        one = torch.ones((), dtype=x.dtype, device=x.device)
        return torch.where(x >= 0, one, -one)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * (x.abs() < 1).to(grad_output.dtype)


def binarize(x):
    return BinarizeSTE.apply(x)
