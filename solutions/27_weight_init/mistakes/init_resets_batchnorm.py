"""Mistake: init_weights also sets normalization layers to weight 1 and bias 0.

torchvision's ResNet init does that, and a learner copies it; this function's contract is
to leave BatchNorm (and every other module that is not Linear or Conv) exactly as it is.
"""

import torch
from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "resetting normalization layers"
REJECTED_BY = "test_apply_init_weights"


def init_weights(module):
    solution.init_weights(module)
    if isinstance(module, nn.modules.batchnorm._BatchNorm | nn.GroupNorm | nn.LayerNorm):
        with torch.no_grad():
            module.weight.fill_(1.0)
            module.bias.zero_()
