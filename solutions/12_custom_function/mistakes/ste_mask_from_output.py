"""Mistake: BinarizeSTE saves its output and builds the backward mask from it, |y| <= 1.

The output is +-1 everywhere, so the mask is always true: the gradient is never clipped
where |x| > 1. The mask needs the input x.
"""

import torch

CAUGHT_BY = "a mask built from the forward's output"
REJECTED_BY = "test_binarize_gradient_is_straight_through_inside_unit_interval"


class BinarizeSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        one = torch.ones((), dtype=x.dtype, device=x.device)
        y = torch.where(x >= 0, one, -one)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        return grad_output * (y.abs() <= 1).to(grad_output.dtype)


def binarize(x):
    return BinarizeSTE.apply(x)
