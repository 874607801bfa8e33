"""Mistake: one_hot() checks labels.min() and labels.max() without a numel() guard.

min() and max() of an empty tensor raise, so one_hot of no labels fails.
"""

import torch

CAUGHT_BY = "check labels.numel() first"
REJECTED_BY = "test_one_hot_of_no_labels_is_empty"


def one_hot(labels, num_classes, dtype=torch.float32):
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError("label out of range")
    out = torch.zeros(labels.shape[0], num_classes, dtype=dtype, device=labels.device)
    return out.scatter_(1, labels.unsqueeze(1), 1)
