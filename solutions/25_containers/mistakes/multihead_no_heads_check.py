"""Mistake: MultiHead accepts an empty heads dict.

The model then returns {} for every input: a trunk with nothing to train it, and a bug
that shows only when the loss is summed over no heads.
"""

from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "no check that heads is non-empty"
REJECTED_BY = "test_multihead_rejects_no_heads"


class MultiHead(solution.MultiHead):
    def __init__(self, in_features, hidden, heads):
        nn.Module.__init__(self)
        self.trunk = nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU())
        self.heads = nn.ModuleDict({name: nn.Linear(hidden, n) for name, n in heads.items()})
