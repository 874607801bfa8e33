"""Mistake: counting epochs from 1, so best_epoch is one more than the step call's index.

The tests (and any code that indexes a list of per-epoch results) expect 0-based indices.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "counted from 1"
REJECTED_BY = "test_best_and_best_epoch_follow_the_curve"

solution = solution_for(__file__)


class EarlyStopping(solution.EarlyStopping):
    def step(self, metric, model):
        self._calls += 1
        epoch = self._calls
        if self._improves(metric):
            self.best, self.best_epoch = metric, epoch
            self._bad_calls = 0
            if self.restore_best_weights:
                self._best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            return False
        self._bad_calls += 1
        if self._bad_calls >= self.patience:
            self.restore(model)
            return True
        return False
