"""Mistake: init_weights sets module.weight.data = torch.randn(shape) * std and the bias to
torch.zeros(n) the same way.

The Parameter objects survive, but their tensors are new ones with the default dtype and
device: a float64 (or CUDA) model comes back with float32 CPU layers.
"""

import math

import torch
from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "made without dtype= and device="
REJECTED_BY = "test_init_weights_keeps_a_float64_models_dtype"


def init_weights(module):
    if isinstance(module, nn.Linear | nn.Conv1d | nn.Conv2d | nn.Conv3d):
        fan_in, _ = solution.fan_in_and_fan_out(module.weight)
        module.weight.data = torch.randn(module.weight.shape) * math.sqrt(2.0 / fan_in)
        if module.bias is not None:
            module.bias.data = torch.zeros(module.bias.shape)
