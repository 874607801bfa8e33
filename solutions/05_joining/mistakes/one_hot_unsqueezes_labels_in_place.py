"""Mistake: one_hot() calls labels.unsqueeze_(1), which reshapes the caller's labels."""

import torch

CAUGHT_BY = "labels.unsqueeze_(1) reshapes"
REJECTED_BY = "test_one_hot_defaults_to_float32_and_leaves_labels_alone"


def one_hot(labels, num_classes, dtype=torch.float32):
    if labels.numel() and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError("label out of range")
    out = torch.zeros(labels.shape[0], num_classes, dtype=dtype, device=labels.device)
    return out.scatter_(1, labels.unsqueeze_(1), 1)
