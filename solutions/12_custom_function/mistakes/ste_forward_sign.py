"""Mistake: torch.sign(x) as the forward.

sign maps 0 to 0, so an exact zero is neither +1 nor -1: a "binary" layer then outputs
three values.
"""

import torch

CAUGHT_BY = "torch.sign maps 0 to 0"
REJECTED_BY = "test_binarize_forward_is_plus_minus_one"


class BinarizeSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.sign(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * (x.abs() <= 1).to(grad_output.dtype)


def binarize(x):
    return BinarizeSTE.apply(x)
