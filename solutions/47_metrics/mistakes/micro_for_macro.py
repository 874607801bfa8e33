"""Mistake: average="macro" computed from the pooled counts (which is the micro average).

Micro pools TP, FP, FN over classes before dividing, and for single-label data equals the
accuracy; macro is the plain mean of the per-class scores, so rare classes weigh as much
as common ones.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "micro and macro confused"
REJECTED_BY = "test_macro_average_is_the_mean_over_classes"

solution = solution_for(__file__)


def precision_recall_f1(y_true, y_pred, num_classes, average="macro"):
    if average == "macro":
        average = "micro"
    return solution.precision_recall_f1(y_true, y_pred, num_classes, average)
