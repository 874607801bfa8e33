"""Mistake: train_step returns the loss recomputed after optimizer.step().

The logged curve looks one step better than the training really is, and it costs an
extra forward pass.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "after optimizer.step()"
REJECTED_BY = "test_returns_the_loss_before_the_update_and_leaves_x_alone"

solution = solution_for(__file__)


def train_step(model, x, optimizer):
    optimizer.zero_grad()
    loss = solution.reconstruction_loss(model(x), x)
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        return solution.reconstruction_loss(model(x), x).item()
