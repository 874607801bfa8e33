"""Mistake: keeping `dict(model.state_dict())` as the best weights, without cloning.

state_dict() returns the model's live tensors; a dict copy is shallow. Training changes
the "best" weights along with the model, and restoring loads the last weights.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "aliases the live tensors"
REJECTED_BY = "test_stopping_restores_the_best_epochs_weights"

solution = solution_for(__file__)


class EarlyStopping(solution.EarlyStopping):
    def step(self, metric, model):
        epoch = self._calls
        self._calls += 1
        if self._improves(metric):
            self.best, self.best_epoch = metric, epoch
            self._bad_calls = 0
            if self.restore_best_weights:
                self._best_state = dict(model.state_dict())
            return False
        self._bad_calls += 1
        if self._bad_calls >= self.patience:
            self.restore(model)
            return True
        return False
