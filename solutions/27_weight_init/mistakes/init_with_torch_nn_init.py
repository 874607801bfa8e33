"""Mistake: calling torch.nn.init.kaiming_normal_ instead of writing the formula.

Correct numbers, but the kata is to derive them; the tests switch torch's version off.
"""

import torch
from torch import nn

CAUGHT_BY = "write yourself"
REJECTED_BY = "test_kaiming_normal_std"


def kaiming_normal_(weight, mode="fan_in", negative_slope=0.0):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(mode)
    return nn.init.kaiming_normal_(weight, a=negative_slope, mode=mode, nonlinearity="leaky_relu")


def init_weights(module):
    if isinstance(module, nn.Linear | nn.Conv1d | nn.Conv2d | nn.Conv3d):
        kaiming_normal_(module.weight)
        if module.bias is not None:
            with torch.no_grad():
                module.bias.zero_()
