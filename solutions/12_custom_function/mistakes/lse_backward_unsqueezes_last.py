"""Mistake: LogSumExp.backward unsqueezes at -1 instead of at ctx.dim.

Right when dim is the last dim, but for any other dim the reduced tensors are put back in
the wrong place: a shape error, or a gradient along the wrong axis.
"""

import torch

CAUGHT_BY = "not a fixed -1"
REJECTED_BY = "test_logsumexp_passes_gradcheck"


class LogSumExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, dim):
        m = x.amax(dim=dim, keepdim=True)
        out = (m + torch.log(torch.exp(x - m).sum(dim=dim, keepdim=True))).squeeze(dim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, out = ctx.saved_tensors
        softmax = torch.exp(x - out.unsqueeze(-1))
        return grad_output.unsqueeze(-1) * softmax, None


def logsumexp(x, dim=-1):
    return LogSumExp.apply(x, dim)
