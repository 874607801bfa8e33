"""Mistake: Conv2d starts its bias at zeros (nn.init.zeros_), not like nn.Conv2d's.

The docstring promises both weight and bias uniform in +-1/sqrt(fan_in), as nn.Conv2d
initialises them; a drop-in replacement must start where nn.Conv2d starts.
"""

import math

import torch
from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "initialised like nn.Conv2d's"
REJECTED_BY = "test_module_initialised_like_nn_conv2d"


class Conv2d(solution.Conv2d):
    def __init__(
        self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, bias=True
    ):
        nn.Module.__init__(self)
        kh, kw = solution._pair(kernel_size)
        self.stride, self.padding = solution._pair(stride), solution._pair(padding)
        self.dilation = solution._pair(dilation)
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels, kh, kw))
        if bias:
            self.bias = nn.Parameter(torch.zeros(out_channels))
        else:
            self.register_parameter("bias", None)
        bound = 1 / math.sqrt(in_channels * kh * kw)
        nn.init.uniform_(self.weight, -bound, bound)
