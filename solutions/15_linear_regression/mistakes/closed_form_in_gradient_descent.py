"""Mistake: "gradient descent" that copies the least-squares solution into the layer.

The numbers are right, but the task is the training loop; the closed form is task 1.
"""

import torch
from torch import nn

CAUGHT_BY = "not the closed form"
REJECTED_BY = "test_gradient_descent_does_not_use_the_closed_form"


def fit_gradient_descent(X, y, *, lr=0.1, steps=500):
    model = nn.Linear(X.shape[1], y.shape[1], device=X.device)
    ones = torch.ones(X.shape[0], 1, dtype=X.dtype, device=X.device)
    theta = torch.linalg.lstsq(torch.cat([X, ones], 1), y).solution
    with torch.no_grad():
        model.weight.copy_(theta[:-1].T)
        model.bias.copy_(theta[-1])
    return model
