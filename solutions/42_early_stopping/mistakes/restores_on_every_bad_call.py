"""Mistake: loading the best weights back on every call without improvement.

Training then restarts from the best epoch after each bad epoch; the docstring loads the
best weights only on the stopping call (and in restore).
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "on every call without improvement"
REJECTED_BY = "test_calls_that_do_not_stop_leave_the_model_alone"

solution = solution_for(__file__)


class EarlyStopping(solution.EarlyStopping):
    def step(self, metric, model):
        improved = self._improves(metric)
        stop = super().step(metric, model)
        if not improved and self.restore_best_weights:
            self.restore(model)
        return stop
