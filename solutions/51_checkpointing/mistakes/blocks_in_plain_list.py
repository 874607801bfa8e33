"""Mistake: keeping the blocks in a plain Python list.

nn.Module registers submodules assigned as modules or ModuleLists only: in a list, the
blocks' parameters are invisible to .parameters(), the optimizer, .to() and state_dict.
"""

from torch import nn

from torchkatas.harness import solution_for

CAUGHT_BY = "a plain Python list"
REJECTED_BY = "test_stack_registers_its_blocks"

solution = solution_for(__file__)


class CheckpointedStack(solution.CheckpointedStack):
    def __init__(self, blocks, segments):
        nn.Module.__init__(self)
        solution.segment_bounds(len(blocks), segments)
        self.blocks = list(blocks)
        self.segments = segments
