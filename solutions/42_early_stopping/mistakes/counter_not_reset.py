"""Mistake: the count of calls without improvement is never reset on an improvement.

Bad epochs then add up over the whole run, and training stops too early: patience means
calls IN A ROW without improvement.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "not reset"
REJECTED_BY = "test_stops_at_exactly_the_right_call"

solution = solution_for(__file__)


class EarlyStopping(solution.EarlyStopping):
    def step(self, metric, model):
        epoch = self._calls
        self._calls += 1
        if self._improves(metric):
            self.best, self.best_epoch = metric, epoch
            if self.restore_best_weights:
                self._best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            return False
        self._bad_calls += 1
        if self._bad_calls >= self.patience:
            self.restore(model)
            return True
        return False
