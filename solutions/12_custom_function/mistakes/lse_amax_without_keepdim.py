"""Mistake: LogSumExp.forward takes m = x.amax(dim) without keepdim=True.

The reduced max no longer lines up with x along dim: x - m broadcasts along the last dim
instead, a shape error for most shapes (and silently right only where it happens to fit).
"""

import torch

CAUGHT_BY = "a reduction along dim without keepdim=True"
REJECTED_BY = "test_logsumexp_forward_matches_torch"


class LogSumExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, dim):
        m = x.amax(dim=dim)
        out = m + torch.log(torch.exp(x - m).sum(dim=dim))
        ctx.save_for_backward(x, out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        softmax = torch.exp(x - out.unsqueeze(ctx.dim))
        return grad_output.unsqueeze(ctx.dim) * softmax, None


def logsumexp(x, dim=-1):
    return LogSumExp.apply(x, dim)
