"""Mistake: the legacy torch.ao.quantization.quantize_dynamic instead of torchao.

torch 2.14 deprecates torch.ao.quantization (DeprecationWarning, removal planned): the
current path is torchao's quantize_ with Int8DynamicActivationInt8WeightConfig.
"""

import copy

import torch
from torch import nn

CAUGHT_BY = "deprecated"
REJECTED_BY = "test_dynamic_model_computes_int8_per_token_and_stays_close"


def quantize_dynamic_int8(model):
    float_copy = copy.deepcopy(model).eval()
    return torch.ao.quantization.quantize_dynamic(float_copy, {nn.Linear}, dtype=torch.qint8)
