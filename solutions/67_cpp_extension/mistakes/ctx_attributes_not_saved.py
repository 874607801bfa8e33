"""Mistake: forward keeps x and weight as ctx attributes instead of ctx.save_for_backward.

It works until the caller changes x in place before backward: save_for_backward records
the tensors' versions and raises, plain attributes give silently wrong gradients.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "save_for_backward"
REJECTED_BY = "test_saved_tensors_notice_an_in_place_change_before_backward"

solution = solution_for(__file__)


class RMSNormFunction(solution.RMSNormFunction):
    @staticmethod
    def forward(ctx, x, weight, eps, kernel):
        ctx.x, ctx.weight, ctx.eps = x, weight, eps
        return kernel(x, weight, eps)

    @staticmethod
    def backward(ctx, grad_out):
        x, weight, d = ctx.x, ctx.weight, ctx.x.shape[-1]
        r = torch.rsqrt(x.pow(2).sum(dim=-1, keepdim=True) / d + ctx.eps)
        g = grad_out * weight
        grad_x = r * g - x * r.pow(3) * (g * x).sum(dim=-1, keepdim=True) / d
        return grad_x, (grad_out * x * r).sum(dim=0), None, None
