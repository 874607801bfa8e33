"""Mistake: freeze_batchnorm() matches isinstance(m, nn.BatchNorm2d) only.

Right for a CNN, but the docstring promises every BatchNorm: the BatchNorm1d of an MLP
head or the BatchNorm3d of a video model keep training their statistics.
"""

from torch import nn

CAUGHT_BY = "BatchNorm1d and BatchNorm3d"
REJECTED_BY = "test_freeze_batchnorm_handles_every_dimension"


def freeze_batchnorm(model):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eval()
            m.requires_grad_(False)
