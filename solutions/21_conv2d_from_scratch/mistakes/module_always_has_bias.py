"""Mistake: Conv2d ignores bias=False and always registers a bias Parameter.

nn.Conv2d(..., bias=False) has no bias in its state_dict; loading its weights into this
module fails (missing key), and the extra bias shifts every output.
"""

import math

import torch
from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "bias=False must leave no bias"
REJECTED_BY = "test_module_matches_nn_conv2d_state_dict"


class Conv2d(solution.Conv2d):
    def __init__(
        self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, bias=True
    ):
        nn.Module.__init__(self)
        kh, kw = solution._pair(kernel_size)
        self.stride, self.padding = solution._pair(stride), solution._pair(padding)
        self.dilation = solution._pair(dilation)
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels, kh, kw))
        self.bias = nn.Parameter(torch.empty(out_channels))
        bound = 1 / math.sqrt(in_channels * kh * kw)
        nn.init.uniform_(self.weight, -bound, bound)
        nn.init.uniform_(self.bias, -bound, bound)
