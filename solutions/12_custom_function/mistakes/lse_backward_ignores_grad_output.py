"""Mistake: backward returns the local derivative softmax(x) and drops grad_output.

Correct only when the loss is logsumexp(x).sum(); any other use downstream gets the wrong
gradient, because the chain rule multiplies by the incoming gradient.
"""

import torch

CAUGHT_BY = "ignored grad_output"
REJECTED_BY = "test_logsumexp_backward_weights_by_grad_output"


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
        return torch.exp(x - out.unsqueeze(ctx.dim)), None


def logsumexp(x, dim=-1):
    return LogSumExp.apply(x, dim)
