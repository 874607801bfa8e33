"""Mistake: the projection shortcut uses a 3x3 Conv2d (padding=1), copied from conv1.

The shapes still match, but ResNet's projection is 1x1: it only mixes channels (and
strides); a 3x3 kernel adds a second spatial filter on the shortcut.
"""

from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "kernel_size=1"
REJECTED_BY = "test_output_shape_and_shortcut"


class ResidualBlock(solution.ResidualBlock):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__(in_channels, out_channels, stride)
        if not isinstance(self.shortcut, nn.Identity):
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False),
                nn.BatchNorm2d(out_channels),
            )
