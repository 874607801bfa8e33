"""Mistake: backward treats r = 1 / RMS(row) as a constant: grad_x = grad_out * weight * r.

r depends on every element of its row, so x's gradient has a second term,
-x * r ** 3 * mean(grad_out * weight * x over the row).
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "through the row's RMS"
REJECTED_BY = "test_function_backward_matches_torch_autograd"

solution = solution_for(__file__)


class RMSNormFunction(solution.RMSNormFunction):
    @staticmethod
    def backward(ctx, grad_out):
        x, weight = ctx.saved_tensors
        r = torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + ctx.eps)
        return grad_out * weight * r, (grad_out * x * r).sum(dim=0), None, None
