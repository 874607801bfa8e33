"""Mistake: LogSumExp.forward returns the keepdim=True result, never squeezing dim.

The docstring asks for dim removed (keepdim False), as torch.logsumexp gives by default.
"""

import torch

CAUGHT_BY = "keepdim left on"
REJECTED_BY = "test_logsumexp_forward_matches_torch"


class LogSumExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, dim):
        m = x.amax(dim=dim, keepdim=True)
        out = m + torch.log(torch.exp(x - m).sum(dim=dim, keepdim=True))
        ctx.save_for_backward(x, out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        return grad_output * torch.exp(x - out), None


def logsumexp(x, dim=-1):
    return LogSumExp.apply(x, dim)
