"""Mistake: rounding the model's own weights to the int8 grid, then reading its state_dict.

The state comes out right, but the caller's model has been changed: its float weights
are gone.
"""

import torch
from torch import nn

from torchkatas.harness import solution_for

CAUGHT_BY = "changed the caller's model"
REJECTED_BY = "test_model_is_untouched_and_shares_no_memory"

solution = solution_for(__file__)


def quantize_state_dict(model):
    scales = {}
    with torch.no_grad():
        for prefix, module in model.named_modules():
            if isinstance(module, nn.Linear | nn.Conv2d):
                scale, zero_point = solution.choose_qparams(module.weight, symmetric=True, axis=0)
                q = solution.quantize(module.weight, scale, zero_point, axis=0)
                module.weight.copy_(solution.dequantize(q, scale, zero_point, axis=0))
                scales[f"{prefix}.weight"] = (q, scale)
    state = {}
    for name, tensor in model.state_dict().items():
        if name in scales:
            state[name], state[name + "_scale"] = scales[name]
        else:
            state[name] = tensor.detach().clone()
    return state
