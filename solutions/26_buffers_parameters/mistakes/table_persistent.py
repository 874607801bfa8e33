"""Mistake: the position table is registered as an ordinary (persistent) buffer.

It is then saved in every checkpoint, and a checkpoint written without it (or by a model
with another max_len) no longer loads.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "persistent=False"
REJECTED_BY = "test_table_is_moved_but_not_saved"


class SinusoidalPositions(solution.SinusoidalPositions):
    def __init__(self, max_len, dim):
        super().__init__(max_len, dim)
        table = self.table
        del self.table
        self.register_buffer("table", table)
