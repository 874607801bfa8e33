"""Mistake: the recursion is called once for the children's h and again for their c.

Every subtree is computed twice at every level: exponential work in the depth, with
identical results.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "computed more than once"
REJECTED_BY = "test_each_node_is_computed_once"

solution = solution_for(__file__)


class TreeLSTM(solution.TreeLSTM):
    def _node(self, tree):
        x, children = tree
        if children:
            child_h = torch.stack([self._node(child)[0] for child in children])
            child_c = torch.stack([self._node(child)[1] for child in children])
        else:
            child_h = child_c = x.new_zeros(0, self.hidden_size)
        return self.cell(x, child_h, child_c)
