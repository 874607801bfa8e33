"""Mistake: kaiming_normal_ draws from its own generator seeded with 0, "for reproducibility".

Every call then gives the same numbers: all layers of one shape start identical, and
torch.manual_seed has no effect on the init.
"""

import math

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "same values on two calls in a row"
REJECTED_BY = "test_kaiming_normal_is_reproducible_and_random"


def kaiming_normal_(weight, mode="fan_in", negative_slope=0.0):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(mode)
    fan_in, fan_out = solution.fan_in_and_fan_out(weight)
    fan = fan_in if mode == "fan_in" else fan_out
    std = math.sqrt(2.0 / (1 + negative_slope**2)) / math.sqrt(fan)
    generator = torch.Generator(device=weight.device).manual_seed(0)
    with torch.no_grad():
        weight.normal_(0.0, std, generator=generator)
    return weight
