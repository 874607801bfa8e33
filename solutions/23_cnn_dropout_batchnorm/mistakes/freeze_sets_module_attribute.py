"""Mistake: freeze_batchnorm() writes m.requires_grad = False on each BatchNorm module.

That sets a plain attribute on the module, which autograd never reads; the weight and bias
keep requiring grad and the optimizer keeps training them.
"""

from torch import nn

CAUGHT_BY = "plain attribute on the module"
REJECTED_BY = "test_freeze_batchnorm_sets_modes_and_requires_grad"


def freeze_batchnorm(model):
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.eval()
            m.requires_grad = False
