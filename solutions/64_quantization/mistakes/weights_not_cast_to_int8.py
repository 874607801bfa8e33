"""Mistake: the rounded weights stored as float32 (torch.round(...) without .to(torch.int8)).

The values are right, but each still takes 4 bytes: the "quantized" state is no smaller.
"""

import torch
from torch import nn

from torchkatas.harness import solution_for

CAUGHT_BY = "smaller"
REJECTED_BY = "test_state_is_at_least_3_5_times_smaller"

solution = solution_for(__file__)


def quantize_state_dict(model):
    weights = {
        f"{prefix}.weight"
        for prefix, module in model.named_modules()
        if isinstance(module, nn.Linear | nn.Conv2d)
    }
    state = {}
    for name, tensor in model.state_dict().items():
        tensor = tensor.detach()
        if name in weights:
            scale, _ = solution.choose_qparams(tensor, symmetric=True, axis=0)
            rows = scale.reshape(-1, *[1] * (tensor.dim() - 1))
            state[name] = torch.clamp(torch.round(tensor / rows), -128, 127)
            state[name + "_scale"] = scale
        else:
            state[name] = tensor.clone()
    return state
