"""Mistake: the confusion matrix indexed cm[predicted, true].

The convention (sklearn's, and the docstring's) is rows = true labels, columns =
predictions; the transposed matrix silently swaps precision and recall downstream.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "transposed"
REJECTED_BY = "test_rows_are_true_labels_and_columns_are_predictions"

solution = solution_for(__file__)


def confusion_matrix(y_true, y_pred, num_classes):
    solution.confusion_matrix(y_true, y_pred, num_classes)  # the same checks
    pairs = y_pred.long() * num_classes + y_true.long()
    return torch.bincount(pairs, minlength=num_classes**2).reshape(num_classes, num_classes)
