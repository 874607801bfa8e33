"""Mistake: quantizing every parameter of a Linear/Conv2d, the bias included.

Biases are few (no real saving) and an int8 model adds them to its wide accumulator at
full precision; rounding them to int8 only loses accuracy.
"""

from torch import nn

from torchkatas.harness import solution_for

CAUGHT_BY = "quantizing the bias"
REJECTED_BY = "test_state_holds_int8_weights_scales_and_the_rest_unchanged"

solution = solution_for(__file__)


def quantize_state_dict(model):
    quantized = set()
    for prefix, module in model.named_modules():
        if isinstance(module, nn.Linear | nn.Conv2d):
            quantized |= {f"{prefix}.{n}" for n, _ in module.named_parameters(recurse=False)}
    state = {}
    for name, tensor in model.state_dict().items():
        tensor = tensor.detach()
        if name in quantized:
            scale, zero_point = solution.choose_qparams(tensor, symmetric=True, axis=0)
            state[name] = solution.quantize(tensor, scale, zero_point, axis=0)
            state[name + "_scale"] = scale
        else:
            state[name] = tensor.clone()
    return state
