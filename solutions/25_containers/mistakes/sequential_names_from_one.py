"""Mistake: mlp_sequential() numbers its layers from 1 (fc1, relu1, fc2, ...).

The docstring's names start at 0: model.fc0 does not exist, and a checkpoint saved with
keys fc0.weight, ... no longer loads.
"""

from collections import OrderedDict
from itertools import pairwise

from torch import nn

CAUGHT_BY = "numbered from 0"
REJECTED_BY = "test_sequential_has_named_layers"


def mlp_sequential(sizes):
    if len(sizes) < 2:
        raise ValueError(f"an MLP needs at least two sizes (in and out), got {sizes}")
    layers = OrderedDict()
    pairs = list(pairwise(sizes))
    for i, (n_in, n_out) in enumerate(pairs, start=1):
        layers[f"fc{i}"] = nn.Linear(n_in, n_out)
        if i < len(pairs):
            layers[f"relu{i}"] = nn.ReLU()
    return nn.Sequential(layers)
