"""Mistake: the SGD update written by hand (p -= lr * p.grad) instead of torch.optim.SGD.

The numbers match plain SGD, but the task is the optimiser loop every training script
uses: zero_grad, forward, backward, optimizer.step().
"""

import torch
from torch import nn

CAUGHT_BY = "written by hand"
REJECTED_BY = "test_gradient_descent_takes_steps_plain_sgd_steps_on_the_layer"


def fit_gradient_descent(X, y, *, lr=0.1, steps=500):
    model = nn.Linear(X.shape[1], y.shape[1], device=X.device, dtype=X.dtype)
    loss_fn = nn.MSELoss()
    for _ in range(steps):
        model.zero_grad()
        loss_fn(model(X), y).backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= lr * p.grad
    return model
