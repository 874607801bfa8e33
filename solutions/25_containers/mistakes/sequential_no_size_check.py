"""Mistake: mlp_sequential() builds whatever the sizes give, without checking them.

mlp_sequential([3]) is then an empty nn.Sequential: it returns its input unchanged, a
"model" that silently does nothing.
"""

import itertools
from collections import OrderedDict

from torch import nn

CAUGHT_BY = "no check len(sizes) >= 2"
REJECTED_BY = "test_sequential_rejects_fewer_than_two_sizes"


def mlp_sequential(sizes):
    layers = OrderedDict()
    pairs = list(itertools.pairwise(sizes))
    for i, (n_in, n_out) in enumerate(pairs):
        layers[f"fc{i}"] = nn.Linear(n_in, n_out)
        if i < len(pairs) - 1:
            layers[f"relu{i}"] = nn.ReLU()
    return nn.Sequential(layers)
