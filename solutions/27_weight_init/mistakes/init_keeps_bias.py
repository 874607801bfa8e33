"""Mistake: init_weights() initializes the weights and leaves PyTorch's default biases.

The default bias is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), not the zero the recipe asks for.
"""

from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "bias"
REJECTED_BY = "test_apply_init_weights"


def init_weights(module):
    if isinstance(module, nn.Linear | nn.Conv1d | nn.Conv2d | nn.Conv3d):
        solution.kaiming_normal_(module.weight)
