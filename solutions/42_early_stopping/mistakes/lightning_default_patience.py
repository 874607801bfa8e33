"""Mistake: a default patience of 3 (PyTorch Lightning's) instead of the documented 5.

EarlyStopping() then stops two epochs sooner than its docstring promises.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "the defaults"
REJECTED_BY = "test_defaults_are_patience_5_min_delta_0_mode_min"

solution = solution_for(__file__)


class EarlyStopping(solution.EarlyStopping):
    def __init__(self, patience=3, min_delta=0.0, mode="min", restore_best_weights=True):
        super().__init__(patience, min_delta, mode, restore_best_weights)
