"""Mistake: building the hidden layers as [nn.Linear(h, h)] * n.

List multiplication repeats one object: every hidden layer shares one weight matrix (and
hidden layers of different widths get the wrong shape).
"""

import torch.nn.functional as F
from torch import nn

CAUGHT_BY = "the same nn.Linear object"
REJECTED_BY = "test_parameters_registered"


class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        if len(sizes) < 2:
            raise ValueError("need at least two sizes")
        layers = [nn.Linear(sizes[0], sizes[1])]
        if len(sizes) > 2:
            layers += [nn.Linear(sizes[1], sizes[1])] * (len(sizes) - 3)
            layers.append(nn.Linear(sizes[-2], sizes[-1]))
        self.layers = nn.ModuleList(layers)

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = F.relu(x)
        return x
