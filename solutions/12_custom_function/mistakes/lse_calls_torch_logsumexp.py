"""Mistake: LogSumExp.forward returns torch.logsumexp(x, dim).

The numbers are right (torch's version is stable), but the kata asks for the max-shift
written by hand; the docstring says it does not call torch.logsumexp.
"""

import torch

CAUGHT_BY = "your code called torch.logsumexp"
REJECTED_BY = "test_logsumexp_forward_matches_torch"


class LogSumExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, dim):
        out = torch.logsumexp(x, dim)
        ctx.save_for_backward(x, out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        return grad_output.unsqueeze(ctx.dim) * torch.exp(x - out.unsqueeze(ctx.dim)), None


def logsumexp(x, dim=-1):
    return LogSumExp.apply(x, dim)
