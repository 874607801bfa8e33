"""Mistake: the backward pass inside the `with torch.autocast(...)` block.

The docs advise against it: backward ops already run in the dtypes autocast chose for the
forward ops, and autocast inside backward can cast again where it should not.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "backward ran with autocast on"
REJECTED_BY = "test_calls_happen_in_the_right_order"

solution = solution_for(__file__)


def train_step(model, inputs, targets, loss_fn, optimizer, scaler, max_norm):
    optimizer.zero_grad()
    with torch.autocast(inputs.device.type, dtype=solution.autocast_dtype(inputs.device)):
        loss = loss_fn(model(inputs), targets)
        scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scale_before = scaler.get_scale()
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), scaler.get_scale() >= scale_before
