"""Mistake: the projection shortcut is used only when the channel count changes.

With the same channels and stride 2 the shortcut keeps H and W, the main path halves them,
and the addition fails.
"""

from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "OR the stride"
REJECTED_BY = "test_output_shape_and_shortcut"


class ResidualBlock(solution.ResidualBlock):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__(in_channels, out_channels, stride)
        if in_channels == out_channels:
            self.shortcut = nn.Identity()
