"""Mistake: for _ in range(steps + 1), one optimizer step more than asked for.

steps=0 should return the layer as initialised; every count is off by one, which no
accuracy check after hundreds of steps can see.
"""

import torch
from torch import nn

CAUGHT_BY = "range(steps + 1)"
REJECTED_BY = "test_gradient_descent_takes_steps_plain_sgd_steps_on_the_layer"


def fit_gradient_descent(X, y, *, lr=0.1, steps=500):
    model = nn.Linear(X.shape[1], y.shape[1], device=X.device, dtype=X.dtype)
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps + 1):
        optimizer.zero_grad()
        loss_fn(model(X), y).backward()
        optimizer.step()
    return model
