"""Mistake: the training loop never calls optimizer.zero_grad().

backward() adds into .grad, so each step uses the sum of all gradients so far: the weights
swing around the optimum instead of settling on it.
"""

import torch
from torch import nn

CAUGHT_BY = "zero_grad"
REJECTED_BY = "test_gradient_descent_recovers_true_weights"


def fit_gradient_descent(X, y, *, lr=0.1, steps=500):
    model = nn.Linear(X.shape[1], y.shape[1], device=X.device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    for _ in range(steps):
        loss_fn(model(X), y).backward()
        optimizer.step()
    return model
