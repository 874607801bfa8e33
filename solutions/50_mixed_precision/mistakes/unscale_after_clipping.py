"""Mistake: scaler.unscale_(optimizer) called, but after clip_grad_norm_.

The clipping still saw the scaled gradients; unscaling afterwards makes them max_norm /
scale, a step thousands of times too small.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "clip_grad_norm_ ran before scaler.unscale_"
REJECTED_BY = "test_optimizer_steps_on_unscaled_clipped_gradients"

solution = solution_for(__file__)


def train_step(model, inputs, targets, loss_fn, optimizer, scaler, max_norm):
    optimizer.zero_grad()
    _, loss = solution.autocast_forward(model, inputs, targets, loss_fn)
    scaler.scale(loss).backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.unscale_(optimizer)
    scale_before = scaler.get_scale()
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), scaler.get_scale() >= scale_before
