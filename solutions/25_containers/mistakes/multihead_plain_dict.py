"""Mistake: MultiHead keeps its heads in a plain dict.

The forward pass works, but the heads' weights are not registered: an optimizer over
model.parameters() trains the trunk only, and checkpoints lose the heads.
"""

from torch import nn

CAUGHT_BY = "not registered"
REJECTED_BY = "test_multihead_registers_every_head"


class MultiHead(nn.Module):
    def __init__(self, in_features, hidden, heads):
        super().__init__()
        if not heads:
            raise ValueError("MultiHead needs at least one head")
        self.trunk = nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU())
        self.heads = {name: nn.Linear(hidden, n) for name, n in heads.items()}

    def forward(self, x):
        h = self.trunk(x)
        return {name: head(h) for name, head in self.heads.items()}
