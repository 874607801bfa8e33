"""Mistake: log(exp(x).sum(dim)) in forward, without subtracting the maximum.

Exact in exact arithmetic, but exp(89) is inf in float32 and exp(-1000) is 0, so large
inputs give inf or -inf.
"""

import torch

CAUGHT_BY = "overflow"
REJECTED_BY = "test_logsumexp_does_not_overflow"


class LogSumExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, dim):
        out = torch.log(torch.exp(x).sum(dim=dim))
        ctx.save_for_backward(x, out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        return grad_output.unsqueeze(ctx.dim) * torch.exp(x - out.unsqueeze(ctx.dim)), None


def logsumexp(x, dim=-1):
    return LogSumExp.apply(x, dim)
