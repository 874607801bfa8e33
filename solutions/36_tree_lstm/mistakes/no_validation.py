"""Mistake: the nodes are used without checking their shape.

A wrongly built tree fails deep inside a Linear layer with a shape error, or (a tensor taken
as children) iterates over numbers.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "no check of each node"
REJECTED_BY = "test_bad_nodes_raise_value_error"

solution = solution_for(__file__)


class TreeLSTM(solution.TreeLSTM):
    def _node(self, tree):
        x, children = tree
        states = [self._node(child) for child in children]
        if states:
            child_h = torch.stack([h for h, _ in states])
            child_c = torch.stack([c for _, c in states])
        else:
            child_h = child_c = x.new_zeros(0, self.hidden_size)
        return self.cell(x, child_h, child_c)
