"""Mistake: restoring by assigning t.data = kept for every parameter and buffer.

The values are right and the Parameter objects stay, but the model now shares storage with
the kept copy: the next optimizer step also changes the "best" weights.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "other storage"
REJECTED_BY = "test_restore_loads_the_best_weights_in_place"

solution = solution_for(__file__)


class EarlyStopping(solution.EarlyStopping):
    def restore(self, model):
        if not self.restore_best_weights:
            return
        if self._best_state is None:
            raise RuntimeError("nothing to restore: call step(metric, model) first")
        with torch.no_grad():
            for name, t in [*model.named_parameters(), *model.named_buffers()]:
                t.data = self._best_state[name]
