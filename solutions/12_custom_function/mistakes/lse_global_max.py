"""Mistake: shifting by the maximum of the whole tensor, x.max(), instead of along dim.

Any constant shift is exact in exact arithmetic, and it prevents overflow, but a slice far
below the global maximum becomes exp(-2000) = 0 everywhere: log(0) = -inf.
"""

import torch

CAUGHT_BY = "one shift for the whole tensor"
REJECTED_BY = "test_logsumexp_shifts_each_slice_by_its_own_maximum"


class LogSumExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, dim):
        m = x.max()
        out = m + torch.log(torch.exp(x - m).sum(dim=dim))
        ctx.save_for_backward(x, out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        return grad_output.unsqueeze(ctx.dim) * torch.exp(x - out.unsqueeze(ctx.dim)), None


def logsumexp(x, dim=-1):
    return LogSumExp.apply(x, dim)
