"""Mistake: centring the caller's X and y in place (X -= X.mean(0)) to solve without a bias column.

The weights and bias come out right, but the docstring says X and y are not changed: the
caller's data is shifted for every later use.
"""

import torch

CAUGHT_BY = "the caller's X"
REJECTED_BY = "test_least_squares_leaves_inputs_alone"


def least_squares(X, y):
    x_mean, y_mean = X.mean(0), y.mean(0)
    X -= x_mean
    y -= y_mean
    weight = torch.linalg.lstsq(X.detach(), y.detach()).solution.T.contiguous()  # (K, D)
    bias = (y_mean - x_mean @ weight.T).detach()
    return weight, bias
