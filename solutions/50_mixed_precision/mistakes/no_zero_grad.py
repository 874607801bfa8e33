"""Mistake: no optimizer.zero_grad() in the train step.

backward() adds into .grad, so every step also applies what earlier batches left there.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "stale gradients"
REJECTED_BY = "test_stale_gradients_do_not_leak_into_the_step"

solution = solution_for(__file__)


def train_step(model, inputs, targets, loss_fn, optimizer, scaler, max_norm):
    _, loss = solution.autocast_forward(model, inputs, targets, loss_fn)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scale_before = scaler.get_scale()
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), scaler.get_scale() >= scale_before
