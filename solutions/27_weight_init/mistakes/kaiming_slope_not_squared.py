"""Mistake: the leaky-ReLU gain written sqrt(2 / (1 + negative_slope)), the slope unsquared.

A leaky ReLU keeps a negative_slope**2 share of the negative half's variance, not a
negative_slope share: the std is too small for every slope other than 0 and 1.
"""

import math

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "negative_slope not squared"
REJECTED_BY = "test_kaiming_normal_std"


def kaiming_normal_(weight, mode="fan_in", negative_slope=0.0):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = solution.fan_in_and_fan_out(weight)
    fan = fan_in if mode == "fan_in" else fan_out
    gain = math.sqrt(2.0 / (1 + negative_slope))
    with torch.no_grad():
        weight.normal_(0.0, gain / math.sqrt(fan))
    return weight
