"""Mistake: one_hot() calls torch.nn.functional.one_hot, which the kata asks you to build."""

import torch.nn.functional as F

CAUGHT_BY = "asks you to write yourself"
REJECTED_BY = "test_one_hot_matches_functional_one_hot"


def one_hot(labels, num_classes, dtype=None):
    return F.one_hot(labels, num_classes).to(dtype)
