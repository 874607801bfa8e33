"""Mistake: grad_output multiplied by the softmax without unsqueeze(ctx.dim).

grad_output has the reduced shape: along the last dim it fails to broadcast (a size
error), along dim 0 it broadcasts against the wrong axis and the gradient is silently wrong.
"""

import torch

CAUGHT_BY = "unsqueeze(ctx.dim) it before multiplying"
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
        return grad_output * torch.exp(x - out.unsqueeze(ctx.dim)), None


def logsumexp(x, dim=-1):
    return LogSumExp.apply(x, dim)
