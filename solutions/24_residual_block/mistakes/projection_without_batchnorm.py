"""Mistake: the projection shortcut is a bare 1x1 Conv2d, without its BatchNorm2d.

The main path ends in bn2; a shortcut without its own BatchNorm adds an unnormalised
projection of a different scale, and the block no longer matches ResNet's.
"""

from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "followed by BatchNorm2d"
REJECTED_BY = "test_output_shape_and_shortcut"


class ResidualBlock(solution.ResidualBlock):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__(in_channels, out_channels, stride)
        if not isinstance(self.shortcut, nn.Identity):
            self.shortcut = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
