"""Mistake: make_stage builds every block as ResidualBlock(in_channels, out_channels, ...).

Only the first block sees in_channels; the later ones take the first's out_channels, so
they get projection shortcuts (and convs) for channels they never receive.
"""

from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "expected nn.Identity"
REJECTED_BY = "test_stage_structure_and_shape"


def make_stage(in_channels, out_channels, num_blocks, stride=1):
    if num_blocks < 1:
        raise ValueError(f"num_blocks must be at least 1, got {num_blocks}")
    blocks = [solution.ResidualBlock(in_channels, out_channels, stride)]
    blocks += [solution.ResidualBlock(in_channels, out_channels) for _ in range(num_blocks - 1)]
    return nn.Sequential(*blocks)
