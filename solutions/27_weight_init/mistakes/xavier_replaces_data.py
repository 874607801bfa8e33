"""Mistake: xavier_uniform_ assigns weight.data = torch.empty(weight.shape).uniform_(-a, a).

The .data trick keeps the Parameter object but swaps its tensor for a new one made with the
default dtype and device: a float64 (or CUDA) weight silently becomes float32 on the CPU.
"""

import math

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "weight.data = a new tensor"
REJECTED_BY = "test_xavier_uniform_fills_a_float64_weight_in_place"


def xavier_uniform_(weight, gain=1.0):
    fan_in, fan_out = solution.fan_in_and_fan_out(weight)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    weight.data = torch.empty(weight.shape).uniform_(-bound, bound)
    return weight
