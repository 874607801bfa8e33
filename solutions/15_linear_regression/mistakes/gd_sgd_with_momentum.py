"""Mistake: torch.optim.SGD(..., lr=lr, momentum=0.9), "because it converges faster".

The docstring asks for SGD(lr=lr): plain gradient descent. With momentum the first step is
the same, and the fit after hundreds of steps is as good, so only the settings show it.
"""

import torch
from torch import nn

CAUGHT_BY = "momentum"
REJECTED_BY = "test_gradient_descent_takes_steps_plain_sgd_steps_on_the_layer"


def fit_gradient_descent(X, y, *, lr=0.1, steps=500):
    model = nn.Linear(X.shape[1], y.shape[1], device=X.device, dtype=X.dtype)
    loss_fn = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    for _ in range(steps):
        optimizer.zero_grad()
        loss_fn(model(X), y).backward()
        optimizer.step()
    return model
