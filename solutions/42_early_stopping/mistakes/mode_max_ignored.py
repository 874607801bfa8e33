"""Mistake: mode is stored but never used: lower is always better.

With an accuracy (mode "max") every rise counts as getting worse.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "treated as 'min'"
REJECTED_BY = "test_stops_at_exactly_the_right_call"

solution = solution_for(__file__)


class EarlyStopping(solution.EarlyStopping):
    def _improves(self, metric):
        return self.best is None or metric < self.best - self.min_delta
