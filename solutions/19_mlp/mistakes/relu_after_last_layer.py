"""Mistake: nn.Sequential with a ReLU after every Linear, the last one included.

The outputs can no longer be negative: logits and regression targets are clipped at 0.
"""

import itertools

from torch import nn

CAUGHT_BY = "no ReLU after the last layer"
REJECTED_BY = "test_forward_is_linear_relu_stack"


class MLP(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        if len(sizes) < 2:
            raise ValueError("need at least two sizes")
        layers = []
        for a, b in itertools.pairwise(sizes):
            layers += [nn.Linear(a, b), nn.ReLU()]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)
