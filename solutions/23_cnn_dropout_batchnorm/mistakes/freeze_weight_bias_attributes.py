"""Mistake: freezing with m.weight.requires_grad = False and m.bias.requires_grad = False.

A BatchNorm built with affine=False has weight and bias None: the attribute assignment
raises AttributeError. m.requires_grad_(False) handles every case.
"""

from torch import nn

CAUGHT_BY = "affine=False"
REJECTED_BY = "test_freeze_batchnorm_handles_every_dimension"


def freeze_batchnorm(model):
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.eval()
            m.weight.requires_grad = False
            m.bias.requires_grad = False
