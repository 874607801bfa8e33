"""Mistake: backward returns only (grad_x, grad_weight).

autograd wants one value per input of forward, here four: None for eps and kernel.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "one gradient per input of forward"
REJECTED_BY = "test_function_backward_matches_torch_autograd"

solution = solution_for(__file__)


class RMSNormFunction(solution.RMSNormFunction):
    @staticmethod
    def backward(ctx, grad_out):
        grad_x, grad_weight, _, _ = solution.RMSNormFunction.backward(ctx, grad_out)
        return grad_x, grad_weight
