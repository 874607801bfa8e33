"""Mistake: a leaf's empty child states made with torch.zeros(0, H), float32 on the CPU.

For float64 or GPU trees the cell then mixes dtypes or devices: an error, or float32 results.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "without dtype= and device="
REJECTED_BY = "test_tree_matches_the_reference"

solution = solution_for(__file__)


class TreeLSTM(solution.TreeLSTM):
    def _node(self, tree):
        x, children = tree
        states = [self._node(child) for child in children]
        if states:
            child_h = torch.stack([h for h, _ in states])
            child_c = torch.stack([c for _, c in states])
        else:
            child_h = child_c = torch.zeros(0, self.hidden_size)
        return self.cell(x, child_h, child_c)
