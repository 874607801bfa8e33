"""Mistake: an iterative traversal that pops the caller's children lists as its stack.

It computes the right states, but the caller's tree is empty afterwards: the next epoch sees
only roots.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "changed the caller's tree"
REJECTED_BY = "test_the_callers_tree_is_not_changed"

solution = solution_for(__file__)


class TreeLSTM(solution.TreeLSTM):
    def _node(self, tree):
        x, children = tree
        states = []
        while children:
            states.append(self._node(children.pop()))
        if states:
            child_h = torch.stack([h for h, _ in states])
            child_c = torch.stack([c for _, c in states])
        else:
            child_h = child_c = x.new_zeros(0, self.hidden_size)
        return self.cell(x, child_h, child_c)
