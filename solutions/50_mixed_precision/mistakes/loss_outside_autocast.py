"""Mistake: only model(inputs) inside autocast; the loss computed after the block.

Outside autocast the loss runs in the outputs' low precision (cross_entropy on bfloat16 /
float16 logits), where autocast would have run it in float32.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "loss was computed outside autocast"
REJECTED_BY = "test_loss_is_computed_inside_autocast"

solution = solution_for(__file__)


def autocast_forward(model, inputs, targets, loss_fn):
    with torch.autocast(inputs.device.type, dtype=solution.autocast_dtype(inputs.device)):
        outputs = model(inputs)
    return outputs, loss_fn(outputs, targets)
