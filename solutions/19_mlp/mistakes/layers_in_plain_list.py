"""Mistake: keeping the layers in a plain Python list.

nn.Module only registers submodules assigned as attributes (or in ModuleList/Sequential):
parameters() is empty, so an optimiser trains nothing and .to(device) moves nothing.
"""

import itertools

import torch.nn.functional as F
from torch import nn

CAUGHT_BY = "not registered"
REJECTED_BY = "test_parameters_registered"


class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        if len(sizes) < 2:
            raise ValueError("need at least two sizes")
        self.layers = [nn.Linear(a, b) for a, b in itertools.pairwise(sizes)]

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = F.relu(x)
        return x
