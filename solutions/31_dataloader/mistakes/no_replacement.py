"""Mistake: WeightedRandomSampler(..., replacement=False).

Without replacement a class of one sample can be drawn once, so rare classes cannot be
oversampled, and asking for more samples than the dataset has fails.
"""

import torch
from torch.utils.data import WeightedRandomSampler

CAUGHT_BY = "replacement=True"
REJECTED_BY = "test_weights_are_one_over_the_class_count_per_sample"


def balanced_sampler(labels, num_samples, generator):
    if labels.dim() != 1 or labels.numel() == 0:
        raise ValueError("labels must be a non-empty 1-D tensor")
    labels = labels.cpu().long()
    weights = 1.0 / torch.bincount(labels)[labels].double()
    return WeightedRandomSampler(weights, num_samples, replacement=False, generator=generator)
