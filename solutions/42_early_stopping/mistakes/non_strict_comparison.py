"""Mistake: `<=` / `>=` in the improvement test, so a tie counts as an improvement.

A metric exactly min_delta better than best (or equal to it, with min_delta 0) resets the
patience count, and training runs on although nothing improved.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "must be strict"
REJECTED_BY = "test_stops_at_exactly_the_right_call"

solution = solution_for(__file__)


class EarlyStopping(solution.EarlyStopping):
    def _improves(self, metric):
        if self.best is None:
            return True
        if self.mode == "min":
            return metric <= self.best - self.min_delta
        return metric >= self.best + self.min_delta
