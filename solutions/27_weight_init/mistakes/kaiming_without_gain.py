"""Mistake: Kaiming normal with std = 1 / sqrt(fan), forgetting the ReLU gain sqrt(2).

ReLU zeroes half of each layer's output variance; without the gain, activations shrink by
half a power of two per layer.
"""

import math

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "gain"
REJECTED_BY = "test_kaiming_normal_std"


def kaiming_normal_(weight, mode="fan_in", negative_slope=0.0):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(mode)
    fan_in, fan_out = solution.fan_in_and_fan_out(weight)
    fan = fan_in if mode == "fan_in" else fan_out
    with torch.no_grad():
        weight.normal_(0.0, 1 / math.sqrt(fan))
    return weight
