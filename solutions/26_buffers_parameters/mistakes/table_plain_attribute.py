"""Mistake: the position table is a plain tensor attribute, not a buffer.

It is not in state_dict(), as intended, but .to() does not move or cast it either: the model
on the GPU adds a CPU table.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "plain tensor attribute"
REJECTED_BY = "test_table_values_and_forward"


class SinusoidalPositions(solution.SinusoidalPositions):
    def __init__(self, max_len, dim):
        super().__init__(max_len, dim)
        table = self.table
        del self.table
        self.table = table
