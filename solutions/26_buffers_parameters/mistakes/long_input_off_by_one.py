"""Mistake: forward refuses T == max_len (t >= max_len instead of t > max_len).

The table has max_len rows, so a sequence of exactly max_len positions fits.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "T == max_len"
REJECTED_BY = "test_rejects_odd_dim_and_long_input"
solution = solution_for(__file__)


class SinusoidalPositions(solution.SinusoidalPositions):
    def forward(self, x):
        t = x.shape[1]
        if t >= self.table.shape[0]:
            raise ValueError(f"sequence length {t} exceeds max_len {self.table.shape[0]}")
        return x + self.table[:t]
