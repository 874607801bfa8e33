"""Mistake: the generator argument is not passed on to WeightedRandomSampler.

The sampler then draws from torch's global generator: its indices change whenever other
code draws random numbers, and the seed given by the caller has no effect.
"""

import torch
from torch.utils.data import WeightedRandomSampler

CAUGHT_BY = "global generator"
REJECTED_BY = "test_draws_depend_only_on_the_generator"


def balanced_sampler(labels, num_samples, generator):
    if labels.dim() != 1 or labels.numel() == 0:
        raise ValueError("labels must be a non-empty 1-D tensor")
    labels = labels.cpu().long()
    weights = 1.0 / torch.bincount(labels)[labels].double()
    return WeightedRandomSampler(weights, num_samples, replacement=True)
