"""Mistake: calling model.eval() before copying the weights, and never switching back.

The copy is right, but the caller's model is now in eval mode: dropout off and BatchNorm
frozen for the rest of training.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "training mode"
REJECTED_BY = "test_calls_that_do_not_stop_leave_the_model_alone"

solution = solution_for(__file__)


class EarlyStopping(solution.EarlyStopping):
    def step(self, metric, model):
        if self._improves(metric):
            model.eval()  # "freeze" the model while copying it
        return super().step(metric, model)
