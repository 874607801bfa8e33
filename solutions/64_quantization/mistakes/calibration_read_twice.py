"""Mistake: calibration iterated twice: once to check that it is not empty, once to calibrate.

A generator (or a one-shot stream) is exhausted after the first pass: the calibration loop
sees no batch, no range is recorded, and the Linears are left unquantized.
"""

import copy

import torch
from torch import nn

CAUGHT_BY = "read twice"
REJECTED_BY = "test_static_reads_a_generator_once_leaves_no_hooks_and_no_trace"


def quantize_static_int8(model, calibration):
    from torchao.quantization import Int8StaticActivationInt8WeightConfig, PerTensor, quantize_

    if sum(1 for _ in calibration) == 0:
        raise ValueError("no calibration batch")
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
