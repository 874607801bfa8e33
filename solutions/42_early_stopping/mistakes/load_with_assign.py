"""Mistake: model.load_state_dict(kept, assign=True) to restore.

assign=True replaces the model's parameters and buffers with new tensors instead of
copying into them: an optimizer built earlier keeps updating the old, detached ones.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "replaced the model's"
REJECTED_BY = "test_restore_loads_the_best_weights_in_place"

solution = solution_for(__file__)


class EarlyStopping(solution.EarlyStopping):
    def restore(self, model):
        if not self.restore_best_weights:
            return
        if self._best_state is None:
            raise RuntimeError("nothing to restore: call step(metric, model) first")
        model.load_state_dict(self._best_state, assign=True)
