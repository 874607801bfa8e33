"""Mistake: the score always uses the L2 norm, whatever p the model was built with.

TransE with p=1 (the usual choice) then trains a different model from the one documented.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "p-norm confused"
REJECTED_BY = "test_scores_equal_the_formula"

solution = solution_for(__file__)


class TransE(solution.TransE):
    def forward(self, triples):
        h = self.entities(triples[:, 0])
        r = self.relations(triples[:, 1])
        t = self.entities(triples[:, 2])
        return -torch.linalg.vector_norm(h + r - t, dim=1)
