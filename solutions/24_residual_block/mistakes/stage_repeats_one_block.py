"""Mistake: make_stage() builds the later blocks as [ResidualBlock(...)] * (num_blocks - 1).

List multiplication repeats one object: the stage applies the same block (the same
weights) several times, and has far fewer parameters than a real stage.
"""

from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "same block object"
REJECTED_BY = "test_stage_structure_and_shape"


def make_stage(in_channels, out_channels, num_blocks, stride=1):
    if num_blocks < 1:
        raise ValueError("num_blocks must be at least 1")
    first = solution.ResidualBlock(in_channels, out_channels, stride)
    rest = [solution.ResidualBlock(out_channels, out_channels)] * (num_blocks - 1)
    return nn.Sequential(first, *rest)
