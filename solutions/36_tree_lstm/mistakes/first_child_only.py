"""Mistake: only the first child's state is passed to the cell.

A node with several children ignores all but one subtree, and the result depends on the
children's order.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "first child"
REJECTED_BY = "test_tree_matches_the_reference"

solution = solution_for(__file__)


class TreeLSTM(solution.TreeLSTM):
    def _node(self, tree):
        x, children = tree
        if children:
            h, c = self._node(children[0])
            return self.cell(x, h.unsqueeze(0), c.unsqueeze(0))
        empty = x.new_zeros(0, self.hidden_size)
        return self.cell(x, empty, empty)
