"""Mistake: writing the +-1 values into x itself, to avoid allocating a new tensor.

Inside forward autograd does not object, but the caller's tensor (a layer's latent
weights, say) is overwritten by its signs, and the backward's mask is then computed from
the wrong values.
"""

import torch

CAUGHT_BY = "the caller's x after binarize"
REJECTED_BY = "test_binarize_forward_is_plus_minus_one"


class BinarizeSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x.clone())
        nonneg = x >= 0
        x[nonneg] = 1
        x[~nonneg] = -1
        return x.clone()

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * (x.abs() <= 1).to(grad_output.dtype)


def binarize(x):
    return BinarizeSTE.apply(x)
