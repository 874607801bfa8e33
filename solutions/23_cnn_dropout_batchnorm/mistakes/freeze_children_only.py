"""Mistake: freeze_batchnorm() walks model.children() instead of model.modules().

children() lists only the direct submodules: a BatchNorm inside an nn.Sequential (every
BatchNorm of SmallCNN) is never reached and keeps training.
"""

from torch import nn

CAUGHT_BY = "not reached at all"
REJECTED_BY = "test_freeze_batchnorm_sets_modes_and_requires_grad"


def freeze_batchnorm(model):
    for m in model.children():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.eval()
            m.requires_grad_(False)
