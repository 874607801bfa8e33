"""Mistake: checking the counter before incrementing it, so stopping comes one call late.

With patience 2, the model trains a third epoch without improvement before stopping.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "one call late"
REJECTED_BY = "test_stops_at_exactly_the_right_call"

solution = solution_for(__file__)


class EarlyStopping(solution.EarlyStopping):
    def step(self, metric, model):
        epoch = self._calls
        self._calls += 1
        if self._improves(metric):
            self.best, self.best_epoch = metric, epoch
            self._bad_calls = 0
            if self.restore_best_weights:
                self._best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            return False
        if self._bad_calls >= self.patience:
            self.restore(model)
            return True
        self._bad_calls += 1
        return False
