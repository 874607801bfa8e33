"""Mistake: `stepped = scale_after > scale_before`.

update() leaves the scale unchanged after most good steps (it grows only every
growth_interval steps), so a strict comparison reports good steps as skipped.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "with `>`"
REJECTED_BY = "test_parameters_equal_a_float32_reference_step"

solution = solution_for(__file__)


def train_step(model, inputs, targets, loss_fn, optimizer, scaler, max_norm):
    optimizer.zero_grad()
    _, loss = solution.autocast_forward(model, inputs, targets, loss_fn)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scale_before = scaler.get_scale()
    scaler.step(optimizer)
    scaler.update()
    return loss.item(), scaler.get_scale() > scale_before
