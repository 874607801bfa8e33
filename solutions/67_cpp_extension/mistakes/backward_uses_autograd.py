"""Mistake: backward re-runs the Python op under enable_grad and asks autograd for the gradient.

The numbers are right, but the task is the derivation: this backward is only as good as
autograd's, and it pays for a second forward pass.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "by hand"
REJECTED_BY = "test_backward_is_written_by_hand_and_returns_four_values"

solution = solution_for(__file__)


class RMSNormFunction(solution.RMSNormFunction):
    @staticmethod
    def backward(ctx, grad_out):
        x, weight = ctx.saved_tensors
        with torch.enable_grad():
            x_ = x.detach().requires_grad_(True)
            w_ = weight.detach().requires_grad_(True)
            y = solution.rms_norm_reference(x_, w_, ctx.eps)
            grad_x, grad_weight = torch.autograd.grad(y, (x_, w_), grad_out)
        return grad_x, grad_weight, None, None
