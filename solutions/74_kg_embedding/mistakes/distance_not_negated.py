"""Mistake: forward returns the distance ||h + r - t||_p instead of its negative.

The doc promises scores where higher is more plausible; with distances the margin loss
written for scores trains the model backwards.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "distance was returned as the score"
REJECTED_BY = "test_scores_equal_the_formula"

solution = solution_for(__file__)


class TransE(solution.TransE):
    def forward(self, triples):
        h = self.entities(triples[:, 0])
        r = self.relations(triples[:, 1])
        t = self.entities(triples[:, 2])
        return torch.linalg.vector_norm(h + r - t, ord=self.p, dim=1)
