"""Mistake: the server calls .eval() on the caller's models instead of on copies.

The answers are right, but the training script that handed over its model finds it
switched to eval mode (no dropout, frozen BatchNorm statistics) when it trains on.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "changed the caller's model"
REJECTED_BY = "test_the_callers_models_are_not_changed"

solution = solution_for(__file__)


class ModelServer(solution.ModelServer):
    def __init__(self, models, **kwargs):
        super().__init__(models, **kwargs)
        self._models = {v: m.eval() for v, m in models.items()}
