"""Mistake: `stepped = scaler.step(optimizer) is not None`.

scaler.step returns what optimizer.step returns, which is None for SGD without a closure,
so every step is reported as skipped. Compare the scale before and after update() instead.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "reading scaler.step()'s return value"
REJECTED_BY = "test_parameters_equal_a_float32_reference_step"

solution = solution_for(__file__)


def train_step(model, inputs, targets, loss_fn, optimizer, scaler, max_norm):
    optimizer.zero_grad()
    _, loss = solution.autocast_forward(model, inputs, targets, loss_fn)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    result = scaler.step(optimizer)
    scaler.update()
    return loss.item(), result is not None
