"""Mistake: LogSumExp.forward removes dim with .squeeze() instead of .squeeze(dim).

squeeze() drops every size-one dim: for a batch of one, x of shape (1, 5) with dim=-1, the
result is 0-d instead of (1,).
"""

import torch

CAUGHT_BY = "squeeze() without a dim"
REJECTED_BY = "test_logsumexp_forward_matches_torch"


class LogSumExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, dim):
        m = x.amax(dim=dim, keepdim=True)
        out = (m + torch.log(torch.exp(x - m).sum(dim=dim, keepdim=True))).squeeze()
        ctx.save_for_backward(x, out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        keep = list(x.shape)
        keep[ctx.dim] = 1  # put the reduced dim back, whatever squeeze() removed
        return grad_output.reshape(keep) * torch.exp(x - out.reshape(keep)), None


def logsumexp(x, dim=-1):
    return LogSumExp.apply(x, dim)
