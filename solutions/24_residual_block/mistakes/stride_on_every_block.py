"""Mistake: make_stage() passes the stride to every block, not only the first.

A stage of three stride-2 blocks shrinks the image eightfold instead of twofold.
"""

from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "first block only"
REJECTED_BY = "test_stage_structure_and_shape"


def make_stage(in_channels, out_channels, num_blocks, stride=1):
    if num_blocks < 1:
        raise ValueError("num_blocks must be at least 1")
    blocks = [solution.ResidualBlock(in_channels, out_channels, stride)]
    blocks += [
        solution.ResidualBlock(out_channels, out_channels, stride) for _ in range(num_blocks - 1)
    ]
    return nn.Sequential(*blocks)
