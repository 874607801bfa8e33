"""Mistake: dequantize_state_dict keeps the "_scale" entries next to the float weights.

load_state_dict is strict by default: unexpected keys make it raise, so the restored state
cannot be loaded into the model.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "'_scale' entries left in"
REJECTED_BY = "test_round_trip_loads_into_a_fresh_model_within_half_a_step"

solution = solution_for(__file__)


def dequantize_state_dict(state):
    result = {}
    for name, tensor in state.items():
        scale = state.get(name + "_scale")
        if scale is None:
            result[name] = tensor.clone()
        else:
            zero_point = torch.zeros_like(scale, dtype=torch.int32)
            result[name] = solution.dequantize(tensor, scale, zero_point, axis=0)
    return result
