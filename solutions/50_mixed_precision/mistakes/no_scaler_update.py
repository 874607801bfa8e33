"""Mistake: scaler.update() forgotten.

The scale never changes: after an overflow it is not lowered, so every later float16 step
overflows and is skipped too (and the next unscale_ raises, since the last one was never
cleared by update()).
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "scaler.update() not called"
REJECTED_BY = "test_a_step_with_non_finite_gradients_is_skipped"

solution = solution_for(__file__)


def train_step(model, inputs, targets, loss_fn, optimizer, scaler, max_norm):
    optimizer.zero_grad()
    _, loss = solution.autocast_forward(model, inputs, targets, loss_fn)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scale_before = scaler.get_scale()
    scaler.step(optimizer)
    return loss.item(), scaler.get_scale() >= scale_before
