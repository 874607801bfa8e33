"""Mistake: lstsq on X and y as given, without detach().

When the caller's X or y requires grad, the weight and bias come back attached to an
autograd graph, which the docstring rules out (and which keeps X and y alive).
"""

import torch

CAUGHT_BY = "attached to an autograd graph"
REJECTED_BY = "test_least_squares_of_inputs_that_require_grad_has_no_graph"


def least_squares(X, y):
    ones = torch.ones(X.shape[0], 1, dtype=X.dtype, device=X.device)
    theta = torch.linalg.lstsq(torch.cat([X, ones], dim=1), y).solution  # (D + 1, K)
    return theta[:-1].T, theta[-1]
