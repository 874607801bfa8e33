"""Mistake: no check for an empty calibration set.

With no batch nothing is measured and the function returns a model that is silently not
quantized (or fails later with a KeyError): the caller must hear about it at once.
"""

import copy

import torch
from torch import nn

CAUGHT_BY = "expected ValueError"
REJECTED_BY = "test_empty_calibration_raises_value_error"


def quantize_static_int8(model, calibration):
    from torchao.quantization import Int8StaticActivationInt8WeightConfig, PerTensor, quantize_

    quantized = copy.deepcopy(model).eval()
    largest = {}
    modules = dict(quantized.named_modules())
    handles = [
        m.register_forward_pre_hook(
            lambda m, args, n=n: largest.__setitem__(
                n, torch.maximum(largest.get(n, args[0].abs().amax()), args[0].abs().amax())
            )
        )
        for n, m in modules.items()
        if isinstance(m, nn.Linear)
    ]
    with torch.no_grad():
        for batch in calibration:
            quantized(batch)
    for h in handles:
        h.remove()
    for n, amax in largest.items():
        scale = torch.clamp(amax / 127.5, min=torch.finfo(torch.float32).eps).reshape(1, 1)
        config = Int8StaticActivationInt8WeightConfig(
            act_quant_scale=scale, granularity=PerTensor()
        )
        quantize_(quantized, config, filter_fn=lambda m, fqn, n=n: fqn == n)
    return quantized
