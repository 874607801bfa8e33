"""Mistake: no checks in __init__: any mode other than "min" silently means "max".

A typo such as mode="mni" or a negative patience should fail loudly, not train wrongly.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "expected ValueError"
REJECTED_BY = "test_bad_settings_raise_value_error"

solution = solution_for(__file__)


class EarlyStopping(solution.EarlyStopping):
    def __init__(self, patience=5, min_delta=0.0, mode="min", restore_best_weights=True):
        self.patience = patience
        self.min_delta = min_delta
        self.mode = mode if mode == "min" else "max"
        self.restore_best_weights = restore_best_weights
        self.best = None
        self.best_epoch = None
        self._calls = 0
        self._bad_calls = 0
        self._best_state = None
