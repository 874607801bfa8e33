"""Mistake: the L2 score as a sum of squares, without the square root.

A squared norm is a different score (and a different loss landscape): the margin no longer
means a distance.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "squared L2"
REJECTED_BY = "test_scores_equal_the_formula"

solution = solution_for(__file__)


class TransE(solution.TransE):
    def forward(self, triples):
        h = self.entities(triples[:, 0])
        r = self.relations(triples[:, 1])
        t = self.entities(triples[:, 2])
        diff = h + r - t
        if self.p == 2:
            return -(diff**2).sum(dim=1)
        return -diff.abs().sum(dim=1)
