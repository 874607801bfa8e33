"""Mistake: no check that labels lie in [0, num_classes).

bincount then makes a longer vector (the reshape fails with a confusing message, or a
negative label raises deep inside torch) instead of a clear ValueError.
"""

import torch

CAUGHT_BY = "lie in [0, num_classes)"
REJECTED_BY = "test_confusion_matrix_rejects_bad_input"


def confusion_matrix(y_true, y_pred, num_classes):
    if y_true.dim() != 1 or y_true.shape != y_pred.shape or len(y_true) == 0:
        raise ValueError("y_true and y_pred must be 1-D of one length N >= 1")
    if y_true.dtype.is_floating_point or y_true.dtype == torch.bool:
        raise ValueError("labels must be integers")
    if y_pred.dtype.is_floating_point or y_pred.dtype == torch.bool:
        raise ValueError("labels must be integers")
    if num_classes < 1:
        raise ValueError("num_classes must be at least 1")
    pairs = y_true.long() * num_classes + y_pred.long()
    counts = torch.bincount(pairs, minlength=num_classes * num_classes)
    return counts[: num_classes * num_classes].reshape(num_classes, num_classes)
