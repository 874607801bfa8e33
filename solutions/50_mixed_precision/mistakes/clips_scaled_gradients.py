"""Mistake: clipping without scaler.unscale_(optimizer) first.

The gradients are still multiplied by the scale, so clip_grad_norm_ compares scale * norm
with max_norm and cuts them far too much; scaler.step then divides by the scale.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "clipping the scaled gradients"
REJECTED_BY = "test_optimizer_steps_on_unscaled_clipped_gradients"

solution = solution_for(__file__)


def train_step(model, inputs, targets, loss_fn, optimizer, scaler, max_norm):
    optimizer.zero_grad()
    _, loss = solution.autocast_forward(model, inputs, targets, loss_fn)
    scaler.scale(loss).backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scale_before = scaler.get_scale()
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), scaler.get_scale() >= scale_before
