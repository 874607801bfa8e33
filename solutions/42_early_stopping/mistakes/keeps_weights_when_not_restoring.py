"""Mistake: copying the state_dict on every improvement even when restore_best_weights=False.

Nothing is restored, so the results are right, but every improvement copies the whole
model for nothing: the docstring says no weights are kept.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "no weights are kept"
REJECTED_BY = "test_without_restore_best_weights_no_weights_are_kept"

solution = solution_for(__file__)


class EarlyStopping(solution.EarlyStopping):
    def step(self, metric, model):
        if self._improves(metric):
            self._best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        return super().step(metric, model)

    def restore(self, model):
        if self.restore_best_weights:
            super().restore(model)
