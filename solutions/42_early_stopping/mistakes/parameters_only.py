"""Mistake: keeping clones of model.parameters() only, not the whole state_dict().

Buffers such as BatchNorm's running mean and variance are part of the model's state; the
restored model pairs the best weights with the last epoch's statistics.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "buffer"
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
                self._best_state = {n: p.detach().clone() for n, p in model.named_parameters()}
            return False
        self._bad_calls += 1
        if self._bad_calls >= self.patience:
            self.restore(model)
            return True
        return False

    def restore(self, model):
        if not self.restore_best_weights:
            return
        if self._best_state is None:
            raise RuntimeError("nothing to restore")
        with torch.no_grad():
            for name, p in model.named_parameters():
                p.copy_(self._best_state[name])
