"""Mistake: train_step clips with torch.nn.utils.clip_grad_norm_ instead of your clip_grad_norm.

The step is right, but the task is to use the clipping written in task 1.
"""

import torch

CAUGHT_BY = "asks you to write yourself"
REJECTED_BY = "test_optimizer_steps_on_clipped_gradients"


def train_step(model, inputs, targets, loss_fn, optimizer, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item()
