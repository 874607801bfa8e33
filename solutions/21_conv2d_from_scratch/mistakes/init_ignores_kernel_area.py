"""Mistake: initialising with the bound 1/sqrt(in_channels), leaving out the kernel area.

Each output pixel sums in_channels * kH * kW products, so the fan_in is that product: a
3x3 kernel's weights come out three times too large.
"""

import math

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
        bound = 1 / math.sqrt(in_channels)
        nn.init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -bound, bound)
