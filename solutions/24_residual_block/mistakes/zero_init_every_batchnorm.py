"""Mistake: zero_init_residual() zeroes the weight of every BatchNorm in the block.

The shortcut's BatchNorm is zeroed too, so a projection block outputs zeros and passes no
signal (and no gradient) at all.
"""

import torch
from torch import nn

CAUGHT_BY = "the shortcut's too"
REJECTED_BY = "test_zero_init_identity_block_is_exactly_relu"


def zero_init_residual(block):
    with torch.no_grad():
        for m in block.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.zero_()
