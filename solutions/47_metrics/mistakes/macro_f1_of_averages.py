"""Mistake: macro F1 computed as 2PR / (P + R) of macro precision and macro recall.

Macro F1 (sklearn's f1_score(average="macro")) is the mean of the per-class F1 scores;
the harmonic mean of the averaged precision and recall is a different number.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "mean of the per-class f1"
REJECTED_BY = "test_macro_average_is_the_mean_over_classes"

solution = solution_for(__file__)


def precision_recall_f1(y_true, y_pred, num_classes, average="macro"):
    p, r, f1 = solution.precision_recall_f1(y_true, y_pred, num_classes, average)
    if average == "macro":
        f1 = 0.0 if p + r == 0 else 2 * p * r / (p + r)
    return p, r, f1
