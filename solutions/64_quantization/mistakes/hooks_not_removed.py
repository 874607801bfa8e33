"""Mistake: the calibration hooks left registered on the returned model.

They keep running (and recording) in every later forward: slower inference, memory kept
alive, and a model that does more than the one asked for.
"""

import copy

import torch
from torch import nn

CAUGHT_BY = "calibration hook"
REJECTED_BY = "test_static_reads_a_generator_once_leaves_no_hooks_and_no_trace"


def quantize_static_int8(model, calibration):
    from torchao.quantization import Int8StaticActivationInt8WeightConfig, PerTensor, quantize_

    quantized = copy.deepcopy(model).eval()
    largest = {}

    def observer(name):
        def hook(module, args):
            seen = args[0].detach().abs().amax()
            largest[name] = seen if name not in largest else torch.maximum(largest[name], seen)

        return hook

    modules = dict(quantized.named_modules())
    linears = [name for name, m in modules.items() if isinstance(m, nn.Linear)]
    for name in linears:
        modules[name].register_forward_pre_hook(observer(name))  # the handle is dropped
    batches = 0
    with torch.no_grad():
        for batch in calibration:
            quantized(batch)
            batches += 1
    if batches == 0:
        raise ValueError("calibration holds no batch")
    for name in linears:
        scale = torch.clamp(largest[name] / 127.5, min=torch.finfo(torch.float32).eps)
        config = Int8StaticActivationInt8WeightConfig(
            act_quant_scale=scale.reshape(1, 1), granularity=PerTensor()
        )
        quantize_(quantized, config, filter_fn=lambda module, fqn, name=name: fqn == name)
    return quantized
