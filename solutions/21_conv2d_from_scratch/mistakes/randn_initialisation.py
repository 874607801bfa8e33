"""Mistake: initialising the weights with torch.randn.

Standard-normal weights are about sqrt(3 * fan_in) times too large: activations blow up
with depth. nn.Conv2d draws uniformly in +-1/sqrt(fan_in).
"""

import torch
from torch import nn

from torchkatas.harness import solution_for

CAUGHT_BY = "initialised like nn.Conv2d"
REJECTED_BY = "test_module_initialised_like_nn_conv2d"
solution = solution_for(__file__)


class Conv2d(solution.Conv2d):
    def __init__(
        self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, bias=True
    ):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, bias)
        self.weight = nn.Parameter(torch.randn_like(self.weight))
        if self.bias is not None:
            self.bias = nn.Parameter(torch.randn_like(self.bias))
