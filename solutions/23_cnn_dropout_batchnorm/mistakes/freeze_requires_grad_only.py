"""Mistake: freeze_batchnorm() only sets requires_grad_(False) on BatchNorm layers.

The running statistics are buffers, updated in every training-mode forward whatever
requires_grad says; only eval mode stops them.
"""

from torch import nn

CAUGHT_BY = "running statistics"
REJECTED_BY = "test_freeze_batchnorm_sets_modes_and_requires_grad"


def freeze_batchnorm(model):
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.requires_grad_(False)
