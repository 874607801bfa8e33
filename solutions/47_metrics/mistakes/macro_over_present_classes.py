"""Mistake: the macro mean taken only over classes that occur in y_true or y_pred.

The docstring averages over all num_classes classes; a class the model never sees and
never predicts scores 0.0 and still counts (sklearn with labels=range(num_classes)).
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "all num_classes classes"
REJECTED_BY = "test_macro_average_counts_classes_absent_from_both"

solution = solution_for(__file__)


def precision_recall_f1(y_true, y_pred, num_classes, average="macro"):
    if average != "macro":
        return solution.precision_recall_f1(y_true, y_pred, num_classes, average)
    cm = solution.confusion_matrix(y_true, y_pred, num_classes)
    present = (cm.sum(dim=0) + cm.sum(dim=1)) > 0
    scores = solution.per_class_scores(cm)
    p, r, f1 = (s[present].mean().item() for s in scores)
    return p, r, f1
