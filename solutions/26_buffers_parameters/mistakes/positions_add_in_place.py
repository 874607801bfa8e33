"""Mistake: SinusoidalPositions.forward adds the table into the caller's x (x += table[:T]).

The returned values are right, but the caller's embeddings now carry the positions too:
used again (a residual, a second call) they get the table added twice.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "changed the caller's x"
REJECTED_BY = "test_table_values_and_forward"
solution = solution_for(__file__)


class SinusoidalPositions(solution.SinusoidalPositions):
    def forward(self, x):
        t = x.shape[1]
        if t > self.table.shape[0]:
            raise ValueError(f"sequence length {t} exceeds max_len {self.table.shape[0]}")
        x += self.table[:t]
        return x
