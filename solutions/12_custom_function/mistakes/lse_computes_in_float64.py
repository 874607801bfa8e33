"""Mistake: LogSumExp.forward computes in float64 "for precision" and returns float64.

The docstring keeps x's dtype: a float32 input must give a float32 result (and a float32
model downstream now meets a float64 tensor).
"""

import torch

CAUGHT_BY = "expected dtype torch.float32"
REJECTED_BY = "test_logsumexp_forward_matches_torch"


class LogSumExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, dim):
        x64 = x.double()
        m = x64.amax(dim=dim, keepdim=True)
        out = (m + torch.log(torch.exp(x64 - m).sum(dim=dim, keepdim=True))).squeeze(dim)
        ctx.save_for_backward(x64, out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        softmax = torch.exp(x - out.unsqueeze(ctx.dim))
        return grad_output.unsqueeze(ctx.dim) * softmax, None


def logsumexp(x, dim=-1):
    return LogSumExp.apply(x, dim)
