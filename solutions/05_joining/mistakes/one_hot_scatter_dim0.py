"""Mistake: one_hot() scatters along dim 0.

The ones land in row labels[i] of column 0 instead of column labels[i] of row i.
"""

import torch

CAUGHT_BY = "along dim 0"
REJECTED_BY = "test_one_hot_matches_functional_one_hot"


def one_hot(labels, num_classes, dtype=torch.float32):
    if labels.numel() and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError("label out of range")
    out = torch.zeros(labels.shape[0], num_classes, dtype=dtype, device=labels.device)
    return out.scatter_(0, labels.unsqueeze(1), 1)
