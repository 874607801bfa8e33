"""Mistake: one_hot() scatters without checking the labels' range first.

On CPU scatter_ raises an index error (or, for some negatives, wraps); on a GPU it is a
device-side assert that takes the whole process down.
"""

import torch

CAUGHT_BY = "no range check on the labels"
REJECTED_BY = "test_one_hot_rejects_labels_out_of_range"


def one_hot(labels, num_classes, dtype=torch.float32):
    out = torch.zeros(labels.shape[0], num_classes, dtype=dtype, device=labels.device)
    return out.scatter_(1, labels.unsqueeze(1), 1)
