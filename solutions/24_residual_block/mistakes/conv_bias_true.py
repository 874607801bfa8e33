"""Mistake: the main path's convolutions keep nn.Conv2d's default bias=True.

In train mode the BatchNorm after each conv subtracts the bias away again, but in eval
mode it shifts the output, the parameter count differs from ResNet's, and torchvision
checkpoints do not load.
"""

from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "bias=False: the BatchNorm"
REJECTED_BY = "test_forward_matches_reference"


class ResidualBlock(solution.ResidualBlock):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__(in_channels, out_channels, stride)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
