"""Mistake: the count matrix made with the labels' dtype.

int32 labels then give int32 counts, which overflow past 2**31 samples and surprise code
that expects int64 counts (torch's default integer dtype).
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "expected dtype torch.int64"
REJECTED_BY = "test_confusion_matrix_equals_hand_counts"

solution = solution_for(__file__)


def confusion_matrix(y_true, y_pred, num_classes):
    solution.confusion_matrix(y_true, y_pred, num_classes)  # the same checks
    cm = torch.zeros(num_classes, num_classes, dtype=y_true.dtype, device=y_true.device)
    cm.index_put_((y_true.long(), y_pred.long()), torch.ones_like(y_true), accumulate=True)
    return cm
