"""Mistake: initialising with the bound 1/sqrt(fan_out), fan_out = out_channels * kH * kW.

nn.Conv2d's default (kaiming_uniform_ with a = sqrt(5)) works out to +-1/sqrt(fan_in),
fan_in = in_channels * kH * kW: the fan of the inputs each output pixel sums over.
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
        kh, kw = solution._pair(kernel_size)
        bound = 1 / math.sqrt(out_channels * kh * kw)
        nn.init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -bound, bound)
