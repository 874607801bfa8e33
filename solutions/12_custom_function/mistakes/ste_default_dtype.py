"""Mistake: torch.where(x >= 0, 1.0, -1.0) with Python scalars and no dtype.

With two Python floats the result takes the default dtype, float32, whatever x's dtype:
float64 and float16 inputs come back as float32.
"""

import torch

CAUGHT_BY = "expected dtype"
REJECTED_BY = "test_binarize_forward_is_plus_minus_one"


class BinarizeSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.where(x >= 0, 1.0, -1.0)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * (x.abs() <= 1).to(grad_output.dtype)


def binarize(x):
    return BinarizeSTE.apply(x)
