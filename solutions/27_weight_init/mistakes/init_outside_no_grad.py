"""Mistake: weight.normal_(...) called on the Parameter without torch.no_grad().

A layer's weight is a leaf that requires grad, and autograd refuses in-place changes to it.
"""

import math

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "outside torch.no_grad()"
REJECTED_BY = "test_kaiming_normal_std"


def kaiming_normal_(weight, mode="fan_in", negative_slope=0.0):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(mode)
    fan_in, fan_out = solution.fan_in_and_fan_out(weight)
    fan = fan_in if mode == "fan_in" else fan_out
    gain = math.sqrt(2.0 / (1 + negative_slope**2))
    weight.normal_(0.0, gain / math.sqrt(fan))
    return weight


def init_weights(module):
    if isinstance(module, type(None)):
        return
    from torch import nn

    if isinstance(module, nn.Linear | nn.Conv1d | nn.Conv2d | nn.Conv3d):
        kaiming_normal_(module.weight)
        if module.bias is not None:
            module.bias.data.zero_()
