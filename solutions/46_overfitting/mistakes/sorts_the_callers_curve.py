"""Mistake: val_losses.sort() to find the best loss.

list.sort() works in place: the caller's history comes back sorted, and with it every
plot and every later diagnosis of it is wrong.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "changed the caller's lists"
REJECTED_BY = "test_the_callers_curves_are_not_modified_and_tuples_work"

solution = solution_for(__file__)


def diagnose(train_losses, val_losses, target_loss, min_rise=0.05):
    verdict = solution.diagnose(train_losses, val_losses, target_loss, min_rise)
    if isinstance(val_losses, list):
        val_losses.sort()  # "the best is val_losses[0]"
    return verdict
