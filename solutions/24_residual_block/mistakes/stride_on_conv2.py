"""Mistake: the stride put on conv2 instead of conv1.

The shapes still match the shortcut, but conv1 then runs at full resolution (four times
the work) and the block is not ResNet's: its outputs and checkpoints differ.
"""

from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "the stride belongs to conv1"
REJECTED_BY = "test_forward_matches_reference"


class ResidualBlock(solution.ResidualBlock):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__(in_channels, out_channels, stride)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, stride=stride, padding=1, bias=False)
