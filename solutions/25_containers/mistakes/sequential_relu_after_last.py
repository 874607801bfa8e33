"""Mistake: mlp_sequential() puts a ReLU after the last Linear too.

The logits can no longer be negative; a classifier trained on them is crippled.
"""

import itertools
from collections import OrderedDict

from torch import nn

CAUGHT_BY = "ReLU after the last layer"
REJECTED_BY = "test_sequential_has_named_layers"


def mlp_sequential(sizes):
    if len(sizes) < 2:
        raise ValueError("need at least two sizes")
    layers = OrderedDict()
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        layers[f"fc{i}"] = nn.Linear(n_in, n_out)
        layers[f"relu{i}"] = nn.ReLU()
    return nn.Sequential(layers)
