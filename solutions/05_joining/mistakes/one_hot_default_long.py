"""Mistake: one_hot() defaults to dtype=torch.int64, as F.one_hot returns.

The docstring's default is float32: one_hot(labels, C) must give float rows.
"""

import torch

CAUGHT_BY = "documented default"
REJECTED_BY = "test_one_hot_defaults_to_float32_and_leaves_labels_alone"


def one_hot(labels, num_classes, dtype=torch.int64):
    if labels.numel() and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError("label out of range")
    out = torch.zeros(labels.shape[0], num_classes, dtype=dtype, device=labels.device)
    return out.scatter_(1, labels.unsqueeze(1), 1)
