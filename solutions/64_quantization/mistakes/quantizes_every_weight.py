"""Mistake: quantizing every state_dict entry whose name ends in "weight".

Norm layers have weights too (LayerNorm, BatchNorm): tiny 1-D tensors whose rounding
saves nothing and hurts, and which the format keeps as they are.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "only Linear and Conv2d weights"
REJECTED_BY = "test_state_holds_int8_weights_scales_and_the_rest_unchanged"

solution = solution_for(__file__)


def quantize_state_dict(model):
    state = {}
    for name, tensor in model.state_dict().items():
        tensor = tensor.detach()
        if name.endswith("weight"):
            scale, zero_point = solution.choose_qparams(tensor, symmetric=True, axis=0)
            state[name] = solution.quantize(tensor, scale, zero_point, axis=0)
            state[name + "_scale"] = scale
        else:
            state[name] = tensor.clone()
    return state
