"""Mistake: least squares on X alone, with no column of ones, and a zero bias.

The fit is forced through the origin: with a non-zero true intercept the weights come out
wrong too, not just the bias.
"""

import torch

CAUGHT_BY = "no column of ones for the bias"
REJECTED_BY = "test_least_squares_equals_exact_solution"


def least_squares(X, y):
    weight = torch.linalg.lstsq(X, y).solution.T  # (K, D)
    return weight, torch.zeros(y.shape[1], dtype=X.dtype, device=X.device)
