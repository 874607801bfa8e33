"""Mistake: weight's gradient summed over the columns (dim 1) instead of over the rows.

weight[j] scales column j of every row, so its gradient adds up over the rows (dim 0);
the sum over dim 1 has shape (N,), or the right shape with wrong values when N == D.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "sum over the rows"
REJECTED_BY = "test_function_backward_matches_torch_autograd"

solution = solution_for(__file__)


class RMSNormFunction(solution.RMSNormFunction):
    @staticmethod
    def backward(ctx, grad_out):
        x, weight = ctx.saved_tensors
        d = x.shape[-1]
        r = torch.rsqrt(x.pow(2).sum(dim=-1, keepdim=True) / d + ctx.eps)
        g = grad_out * weight
        grad_x = r * g - x * r.pow(3) * (g * x).sum(dim=-1, keepdim=True) / d
        return grad_x, (grad_out * x * r).sum(dim=1), None, None
