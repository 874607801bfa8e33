"""Mistake: precision divided by the row sums and recall by the column sums.

Precision asks "of the predictions of c, how many were right" (a column of the matrix);
recall asks "of the true c, how many were found" (a row). Swapping them swaps the scores.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "precision and recall swapped"
REJECTED_BY = "test_per_class_scores_small_example"

solution = solution_for(__file__)


def per_class_scores(cm):
    counts = cm.to(torch.float64)
    tp = counts.diagonal()
    precision = solution._safe_divide(tp, counts.sum(dim=1))
    recall = solution._safe_divide(tp, counts.sum(dim=0))
    f1 = solution._safe_divide(2 * precision * recall, precision + recall)
    return precision, recall, f1
