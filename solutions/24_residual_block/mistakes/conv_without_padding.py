"""Mistake: the main path's 3x3 convolutions keep nn.Conv2d's default padding=0.

Each conv then shrinks H and W by 2, so main and shortcut no longer line up (or, with a
projection, the block returns the wrong size).
"""

from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "padding=1"
REJECTED_BY = "test_forward_matches_reference"


class ResidualBlock(solution.ResidualBlock):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__(in_channels, out_channels, stride)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, bias=False)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, bias=False)
