"""Mistake: restore raises when no weights are kept before looking at restore_best_weights.

With restore_best_weights=False no weights are ever kept, so restore always raises; the
docstring makes it a no-op then.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "before the flag"
REJECTED_BY = "test_restore_without_restore_best_weights_is_a_no_op"

solution = solution_for(__file__)


class EarlyStopping(solution.EarlyStopping):
    def restore(self, model):
        if self._best_state is None:
            raise RuntimeError("nothing to restore: call step(metric, model) first")
        if self.restore_best_weights:
            model.load_state_dict(self._best_state)
