"""Mistake: x -= m in forward, to save the memory of a shifted copy.

Inside a Function's forward autograd is off, so nothing stops the in-place op: the
caller's tensor is left shifted by its maximum.
"""

import torch

CAUGHT_BY = "the caller's x after logsumexp"
REJECTED_BY = "test_logsumexp_forward_matches_torch"


class LogSumExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, dim):
        m = x.amax(dim=dim, keepdim=True)
        x -= m
        out = (m + torch.log(torch.exp(x).sum(dim=dim, keepdim=True))).squeeze(dim)
        ctx.save_for_backward(x + m, out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        return grad_output.unsqueeze(ctx.dim) * torch.exp(x - out.unsqueeze(ctx.dim)), None


def logsumexp(x, dim=-1):
    return LogSumExp.apply(x, dim)
