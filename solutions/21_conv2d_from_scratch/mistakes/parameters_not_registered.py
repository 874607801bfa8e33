"""Mistake: Conv2d stores weight and bias as plain tensors with requires_grad=True.

They are not nn.Parameters: parameters() and state_dict() miss them, so an optimiser never
trains them and nn.Conv2d checkpoints do not load.
"""

import math

import torch
from torch import nn

from torchkatas.harness import solution_for

CAUGHT_BY = "a plain tensor attribute is not registered"
REJECTED_BY = "test_module_matches_nn_conv2d_state_dict"
solution = solution_for(__file__)


class Conv2d(nn.Module):
    def __init__(
        self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, bias=True
    ):
        super().__init__()
        kh, kw = solution._pair(kernel_size)
        self.stride, self.padding, self.dilation = stride, padding, dilation
        bound = 1 / math.sqrt(in_channels * kh * kw)
        w = torch.empty(out_channels, in_channels, kh, kw).uniform_(-bound, bound)
        self.weight = w.requires_grad_(True)
        self.bias = torch.empty(out_channels).uniform_(-bound, bound).requires_grad_(True)
        if not bias:
            self.bias = None

    def forward(self, x):
        return solution.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)
