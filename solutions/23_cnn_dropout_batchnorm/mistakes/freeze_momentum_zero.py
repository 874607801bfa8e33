"""Mistake: freeze_batchnorm() stops the statistics with momentum = 0 instead of eval().

The running statistics no longer move, but a BatchNorm in training mode still normalizes
with the batch's statistics, which are noisy on the small batches fine-tuning uses.
"""

from torch import nn

CAUGHT_BY = "momentum=0"
REJECTED_BY = "test_freeze_batchnorm_sets_modes_and_requires_grad"


def freeze_batchnorm(model):
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.momentum = 0.0
            m.requires_grad_(False)
