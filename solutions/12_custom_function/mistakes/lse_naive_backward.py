"""Mistake: a stable forward but a naive backward, exp(x) / exp(x).sum(dim).

The softmax is recomputed without the shift, so at large inputs it is inf / inf = nan.
"""

import torch

CAUGHT_BY = "the backward overflowed"
REJECTED_BY = "test_logsumexp_gradient_at_large_inputs"


class LogSumExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, dim):
        m = x.amax(dim=dim, keepdim=True)
        out = (m + torch.log(torch.exp(x - m).sum(dim=dim, keepdim=True))).squeeze(dim)
        ctx.save_for_backward(x)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        e = torch.exp(x)
        return grad_output.unsqueeze(ctx.dim) * e / e.sum(dim=ctx.dim, keepdim=True), None


def logsumexp(x, dim=-1):
    return LogSumExp.apply(x, dim)
