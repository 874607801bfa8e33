"""Mistake: theta.squeeze() on lstsq's solution, "to tidy up" the one-output case.

For K = 1 the squeeze drops the output dimension: weight becomes (D,) and bias 0-d instead
of nn.Linear's (1, D) and (1,).
"""

import torch

CAUGHT_BY = "squeeze"
REJECTED_BY = "test_least_squares_of_the_readme_example"


def least_squares(X, y):
    X, y = X.detach(), y.detach()
    ones = torch.ones(X.shape[0], 1, dtype=X.dtype, device=X.device)
    theta = torch.linalg.lstsq(torch.cat([X, ones], dim=1), y).solution.squeeze()
    if theta.dim() == 1:  # K == 1
        return theta[:-1].clone(), theta[-1].clone()
    return theta[:-1].T.contiguous(), theta[-1].clone()
