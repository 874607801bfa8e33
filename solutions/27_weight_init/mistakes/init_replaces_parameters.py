"""Mistake: init_weights assigns new nn.Parameters instead of filling the existing ones.

The values are right, but an optimizer built before the init (or any other reference to
the parameters) still holds the old tensors: training updates objects the model no longer
uses.
"""

import torch
from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "replaced the Parameter"
REJECTED_BY = "test_init_weights_keeps_the_same_parameter_objects"


def init_weights(module):
    if isinstance(module, nn.Linear | nn.Conv1d | nn.Conv2d | nn.Conv3d):
        weight = torch.empty_like(module.weight)
        module.weight = nn.Parameter(solution.kaiming_normal_(weight))
        if module.bias is not None:
            module.bias = nn.Parameter(torch.zeros_like(module.bias))
