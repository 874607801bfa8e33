"""Mistake: the children's states detached before they are stacked (to save memory).

Each node's state then depends on its own x only through the gradient: nothing below the
root's children learns.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "no .grad"
REJECTED_BY = "test_gradients_reach_every_node"

solution = solution_for(__file__)


class TreeLSTM(solution.TreeLSTM):
    def _node(self, tree):
        x, children = tree
        states = [self._node(child) for child in children]
        if states:
            child_h = torch.stack([h.detach() for h, _ in states])
            child_c = torch.stack([c.detach() for _, c in states])
        else:
            child_h = child_c = x.new_zeros(0, self.hidden_size)
        return self.cell(x, child_h, child_c)
