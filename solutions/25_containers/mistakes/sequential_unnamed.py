"""Mistake: mlp_sequential() builds nn.Sequential(*layers), so the layers are named 0, 1, 2.

The network computes the right thing, but model.fc1 and the state_dict keys fc0.weight, ...
that checkpoints and other code rely on do not exist.
"""

import itertools

from torch import nn

CAUGHT_BY = "OrderedDict"
REJECTED_BY = "test_sequential_has_named_layers"


def mlp_sequential(sizes):
    if len(sizes) < 2:
        raise ValueError("need at least two sizes")
    layers = []
    for n_in, n_out in itertools.pairwise(sizes):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1])
