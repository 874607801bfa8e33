"""Mistake: loss.backward() instead of scaler.scale(loss).backward().

Float16 gradients are not protected from underflow, and scaler.unscale_ then divides the
unscaled gradients by the scale anyway: the step is thousands of times too small.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "backward on the unscaled loss"
REJECTED_BY = "test_optimizer_steps_on_unscaled_clipped_gradients"

solution = solution_for(__file__)


def train_step(model, inputs, targets, loss_fn, optimizer, scaler, max_norm):
    optimizer.zero_grad()
    _, loss = solution.autocast_forward(model, inputs, targets, loss_fn)
    loss.backward()
    scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scale_before = scaler.get_scale()
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), scaler.get_scale() >= scale_before
