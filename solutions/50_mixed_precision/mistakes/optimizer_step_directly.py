"""Mistake: optimizer.step() instead of scaler.step(optimizer).

The gradients are unscaled and clipped correctly, but nothing skips the step when they
hold inf or NaN, so one bad batch writes NaN into every weight.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "optimizer.step() was called directly"
REJECTED_BY = "test_a_step_with_non_finite_gradients_is_skipped"

solution = solution_for(__file__)


def train_step(model, inputs, targets, loss_fn, optimizer, scaler, max_norm):
    optimizer.zero_grad()
    _, loss = solution.autocast_forward(model, inputs, targets, loss_fn)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scale_before = scaler.get_scale()
    optimizer.step()
    scaler.update()
    return loss.item(), scaler.get_scale() >= scale_before
