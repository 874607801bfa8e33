"""Mistake: nn.MSELoss(reduction="sum") in gradient descent.

The gradient is N * K times the mean's, so lr=0.1 overshoots and training diverges.
"""

import torch
from torch import nn

CAUGHT_BY = "reduction='sum'"
REJECTED_BY = "test_gradient_descent_recovers_true_weights"


def fit_gradient_descent(X, y, *, lr=0.1, steps=500):
    model = nn.Linear(X.shape[1], y.shape[1], device=X.device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss(reduction="sum")
    for _ in range(steps):
        optimizer.zero_grad()
        loss_fn(model(X), y).backward()
        optimizer.step()
    return model
