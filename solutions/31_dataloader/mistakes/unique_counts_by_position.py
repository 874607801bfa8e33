"""Mistake: counts from torch.unique(return_counts=True) indexed by class id.

unique's counts follow the sorted ids present, so counts[label] is another class's count,
or out of range, as soon as the ids are not exactly 0..C-1.
"""

import torch
from torch.utils.data import WeightedRandomSampler

CAUGHT_BY = "return_inverse"
REJECTED_BY = "test_weights_are_one_over_the_class_count_per_sample"


def balanced_sampler(labels, num_samples, generator):
    if labels.dim() != 1 or labels.numel() == 0:
        raise ValueError("labels must be a non-empty 1-D tensor")
    labels = labels.cpu().long()
    _, counts = torch.unique(labels, return_counts=True)
    weights = 1.0 / counts[labels].double()
    return WeightedRandomSampler(weights, num_samples, replacement=True, generator=generator)
