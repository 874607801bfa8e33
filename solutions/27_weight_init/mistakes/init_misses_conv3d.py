"""Mistake: init_weights checks for Linear, Conv1d and Conv2d only.

The docstring claims Conv3d too: a video or volume model keeps PyTorch's default init in
its Conv3d layers, whose variance is three times smaller than He's.
"""

import torch
from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "a layer type skipped"
REJECTED_BY = "test_init_weights_handles_every_claimed_layer_type"


def init_weights(module):
    if isinstance(module, nn.Linear | nn.Conv1d | nn.Conv2d):
        solution.kaiming_normal_(module.weight)
        if module.bias is not None:
            with torch.no_grad():
                module.bias.zero_()
