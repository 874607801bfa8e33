"""Mistake: dL/dy = 2 (y - target), the gradient of the summed squared error.

The loss is the mean over every element, so every gradient is N * out times too large.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "summed instead of averaged"
REJECTED_BY = "test_mlp_backward_equals_autograd"


def mlp_backward(x, params, target):
    n = target.numel()
    return [(dw * n, db * n) for dw, db in solution.mlp_backward(x, params, target)]
