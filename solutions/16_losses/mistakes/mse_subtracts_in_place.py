"""Mistake: diff = pred; diff -= target, to save an allocation.

diff is not a copy but another name for the caller's pred: the subtraction (and the
squaring after it) rewrites the caller's predictions.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "changed the caller's argument 0"
REJECTED_BY = "test_losses_leave_the_callers_tensors_alone"

solution = solution_for(__file__)


def mse_loss(pred, target, reduction="mean"):
    solution._check_reduction(reduction)
    diff = pred
    diff -= target
    diff **= 2
    return solution._reduce(diff, reduction)
