"""Mistake: the columns read as (head, tail, relation), the order of FB15k's text files.

The documented layout is (head, relation, tail): every score is then of the wrong triple.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "(head, tail, relation)"
REJECTED_BY = "test_scores_equal_the_formula"

solution = solution_for(__file__)


class TransE(solution.TransE):
    def forward(self, triples):
        h = self.entities(triples[:, 0])
        t = self.entities(triples[:, 1])
        r = self.relations(triples[:, 2])
        return -torch.linalg.vector_norm(h + r - t, ord=self.p, dim=1)
