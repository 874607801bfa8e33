"""Mistake: zero_init_residual() assigns a fresh nn.Parameter of zeros to bn2.weight.

The block computes the right thing, but an optimizer built before the call still holds
the old Parameter: it updates a tensor the block no longer uses, and bn2.weight never trains.
"""

import torch
from torch import nn

CAUGHT_BY = "is a new object"
REJECTED_BY = "test_zero_init_identity_block_is_exactly_relu"


def zero_init_residual(block):
    block.bn2.weight = nn.Parameter(torch.zeros_like(block.bn2.weight))
