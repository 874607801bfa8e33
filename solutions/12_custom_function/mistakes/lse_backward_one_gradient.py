"""Mistake: backward returns only the gradient for x, not one per forward input.

forward(ctx, x, dim) takes two inputs, so backward must return two values (None for the
int dim); autograd raises "returned an incorrect number of gradients".
"""

import torch

CAUGHT_BY = "one gradient per forward input"
REJECTED_BY = "test_logsumexp_passes_gradcheck"


class LogSumExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, dim):
        m = x.amax(dim=dim, keepdim=True)
        out = (m + torch.log(torch.exp(x - m).sum(dim=dim, keepdim=True))).squeeze(dim)
        ctx.save_for_backward(x, out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        return grad_output.unsqueeze(ctx.dim) * torch.exp(x - out.unsqueeze(ctx.dim))


def logsumexp(x, dim=-1):
    return LogSumExp.apply(x, dim)
