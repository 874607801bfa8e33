"""Mistake: returning lstsq's solution as is, (D, K), instead of nn.Linear's (K, D) layout.

lstsq solves X @ theta = y, so theta is (D, K); nn.Linear keeps weight as (out, in).
"""

import torch

CAUGHT_BY = "weight transposed"
REJECTED_BY = "test_least_squares_equals_exact_solution"


def least_squares(X, y):
    ones = torch.ones(X.shape[0], 1, dtype=X.dtype, device=X.device)
    theta = torch.linalg.lstsq(torch.cat([X, ones], 1), y).solution
    return theta[:-1], theta[-1]
