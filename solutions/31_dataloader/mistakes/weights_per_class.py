"""Mistake: one weight per class handed to WeightedRandomSampler.

The sampler draws indices 0..len(weights)-1: with C class weights it draws only the first
C samples of the dataset.
"""

import torch
from torch.utils.data import WeightedRandomSampler

CAUGHT_BY = "one weight per sample"
REJECTED_BY = "test_weights_are_one_over_the_class_count_per_sample"


def balanced_sampler(labels, num_samples, generator):
    if labels.dim() != 1 or labels.numel() == 0:
        raise ValueError("labels must be a non-empty 1-D tensor")
    counts = torch.bincount(labels.cpu().long())
    weights = torch.where(counts > 0, 1.0 / counts.double(), torch.zeros((), dtype=torch.double))
    return WeightedRandomSampler(weights, num_samples, replacement=True, generator=generator)
