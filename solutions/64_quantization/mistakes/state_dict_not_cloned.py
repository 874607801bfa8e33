"""Mistake: the entries that are not quantized taken from model.state_dict() without a clone.

state_dict() tensors are views of the model's parameters and buffers: the next training
step (or BatchNorm update) silently changes the "saved" state too.
"""

from torch import nn

from torchkatas.harness import solution_for

CAUGHT_BY = "shares memory"
REJECTED_BY = "test_model_is_untouched_and_shares_no_memory"

solution = solution_for(__file__)


def quantize_state_dict(model):
    weights = {
        f"{prefix}.weight"
        for prefix, module in model.named_modules()
        if isinstance(module, nn.Linear | nn.Conv2d)
    }
    state = {}
    for name, tensor in model.state_dict().items():
        if name in weights:
            scale, zero_point = solution.choose_qparams(tensor, symmetric=True, axis=0)
            state[name] = solution.quantize(tensor, scale, zero_point, axis=0)
            state[name + "_scale"] = scale
        else:
            state[name] = tensor
    return state
