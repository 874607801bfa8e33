"""Mistake: dW = input.T @ g, shaped (in, out), the transpose of W's (out, in).

nn.Linear's weight is (out_features, in_features): its gradient must have that shape.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "dW = g.T @ input"
REJECTED_BY = "test_mlp_backward_equals_autograd"


def mlp_backward(x, params, target):
    return [(dw.T, db) for dw, db in solution.mlp_backward(x, params, target)]
