"""Mistake: calibrating with the model in train mode (eval() only at the very end).

Dropout zeroes activations and scales the rest by 1 / (1 - p) during calibration, so the
recorded ranges are not those the eval-mode model sees.
"""

import copy

import torch
from torch import nn

CAUGHT_BY = "train mode"
REJECTED_BY = "test_calibration_runs_in_eval_mode"


def quantize_static_int8(model, calibration):
    from torchao.quantization import Int8StaticActivationInt8WeightConfig, PerTensor, quantize_

    quantized = copy.deepcopy(model)
    largest = {}

    def observer(name):
        def hook(module, args):
            seen = args[0].detach().abs().amax()
            largest[name] = seen if name not in largest else torch.maximum(largest[name], seen)

        return hook

    modules = dict(quantized.named_modules())
    linears = [name for name, m in modules.items() if isinstance(m, nn.Linear)]
    handles = [modules[name].register_forward_pre_hook(observer(name)) for name in linears]
    batches = 0
    with torch.no_grad():
        for batch in calibration:
            quantized(batch)
            batches += 1
    for handle in handles:
        handle.remove()
    if batches == 0:
        raise ValueError("calibration holds no batch")
    for name in linears:
        scale = torch.clamp(largest[name] / 127.5, min=torch.finfo(torch.float32).eps)
        config = Int8StaticActivationInt8WeightConfig(
            act_quant_scale=scale.reshape(1, 1), granularity=PerTensor()
        )
        quantize_(quantized, config, filter_fn=lambda module, fqn, name=name: fqn == name)
    return quantized.eval()
