"""Mistake: kaiming_normal_ calls weight.normal_(0, gain**2 / fan), the variance, as the std.

normal_'s second argument is the standard deviation: the weights come out far too small
(sqrt(2 / fan) times smaller), and the activations vanish layer after layer.
"""

import math

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "the variance passed as the std"
REJECTED_BY = "test_kaiming_normal_std"


def kaiming_normal_(weight, mode="fan_in", negative_slope=0.0):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = solution.fan_in_and_fan_out(weight)
    fan = fan_in if mode == "fan_in" else fan_out
    gain = math.sqrt(2.0 / (1 + negative_slope**2))
    with torch.no_grad():
        weight.normal_(0.0, (gain / math.sqrt(fan)) ** 2)
    return weight
