"""Mistake: average="binary" returns the scores of class 0.

The positive class is 1: precision and recall of class 0 describe the negatives.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "the positive class"
REJECTED_BY = "test_binary_average_scores_class_one"

solution = solution_for(__file__)


def precision_recall_f1(y_true, y_pred, num_classes, average="macro"):
    if average != "binary":
        return solution.precision_recall_f1(y_true, y_pred, num_classes, average)
    solution.precision_recall_f1(y_true, y_pred, num_classes, average)  # the checks
    p, r, f1 = solution.per_class_scores(solution.confusion_matrix(y_true, y_pred, 2))
    return p[0].item(), r[0].item(), f1[0].item()
