"""Mistake: the children's states stacked with torch.tensor(... .tolist()), which copies values.

torch.tensor() of Python numbers makes new leaves: the graph from the root stops at the
first level, so no gradient reaches the leaves.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "graph"
REJECTED_BY = "test_gradients_reach_every_node"

solution = solution_for(__file__)


class TreeLSTM(solution.TreeLSTM):
    def _node(self, tree):
        x, children = tree
        states = [self._node(child) for child in children]
        if states:
            child_h = torch.tensor([h.tolist() for h, _ in states], dtype=x.dtype, device=x.device)
            child_c = torch.tensor([c.tolist() for _, c in states], dtype=x.dtype, device=x.device)
        else:
            child_h = child_c = x.new_zeros(0, self.hidden_size)
        return self.cell(x, child_h, child_c)
