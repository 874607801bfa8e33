"""Mistake: one symmetric scale for the whole weight, repeated for every output channel.

Rows of small weights are then rounded with the step of the largest row: many of them
become 0, and the layer's output changes far more than per-channel quantization would.
"""

from torch import nn

from torchkatas.harness import solution_for

CAUGHT_BY = "one scale for the whole tensor"
REJECTED_BY = "test_round_trip_loads_into_a_fresh_model_within_half_a_step"

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
            scale, zero_point = solution.choose_qparams(tensor, symmetric=True)
            state[name] = solution.quantize(tensor, scale, zero_point)
            state[name + "_scale"] = scale.expand(tensor.shape[0]).clone()
        else:
            state[name] = tensor.clone()
    return state
