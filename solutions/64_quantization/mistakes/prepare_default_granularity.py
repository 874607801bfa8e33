"""Mistake: the QAT base config for int8 weights left at its default weight granularity.

Its default is PerGroup(32): one scale per group of 32 input features, not one per output
channel; training then simulates another scheme than the one asked for.
"""

import copy

import torch

CAUGHT_BY = "per group of 32"
REJECTED_BY = "test_prepared_model_simulates_int8"


def _base():
    from torchao.quantization import Int8DynamicActivationIntxWeightConfig

    return Int8DynamicActivationIntxWeightConfig(weight_dtype=torch.int8)


def prepare_qat(model):
    from torchao.quantization import quantize_
    from torchao.quantization.qat import QATConfig

    prepared = copy.deepcopy(model)
    quantize_(prepared, QATConfig(_base(), step="prepare"))
    return prepared


def convert_qat(model):
    from torchao.quantization import quantize_
    from torchao.quantization.qat import QATConfig

    quantize_(model, QATConfig(_base(), step="convert"))
    return model.eval()
