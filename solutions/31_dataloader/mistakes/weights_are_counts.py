"""Mistake: each sample weighted by its class count instead of its inverse.

That makes the majority class even more frequent: the opposite of balancing.
"""

import torch
from torch.utils.data import WeightedRandomSampler

CAUGHT_BY = "count of the class"
REJECTED_BY = "test_weights_are_one_over_the_class_count_per_sample"


def balanced_sampler(labels, num_samples, generator):
    if labels.dim() != 1 or labels.numel() == 0:
        raise ValueError("labels must be a non-empty 1-D tensor")
    labels = labels.cpu().long()
    weights = torch.bincount(labels)[labels].double()
    return WeightedRandomSampler(weights, num_samples, replacement=True, generator=generator)
