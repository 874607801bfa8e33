"""Mistake: make_stage() has no check on num_blocks.

The first block is built whatever the count, so make_stage(3, 8, 0) returns a stage of one
block instead of refusing the request.
"""

from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "no check num_blocks >= 1"
REJECTED_BY = "test_stage_rejects_fewer_than_one_block"


def make_stage(in_channels, out_channels, num_blocks, stride=1):
    blocks = [solution.ResidualBlock(in_channels, out_channels, stride)]
    blocks += [solution.ResidualBlock(out_channels, out_channels) for _ in range(num_blocks - 1)]
    return nn.Sequential(*blocks)
