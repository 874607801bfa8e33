"""Mistake: F.normalize(weight, dim=0), each embedding dimension instead of each entity.

An entity is a row; normalising columns leaves entity norms unconstrained.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "each column was normalised"
REJECTED_BY = "test_normalize_entities_makes_each_row_unit_length"

solution = solution_for(__file__)


class TransE(solution.TransE):
    def normalize_entities_(self):
        w = self.entities.weight
        w.data.copy_(F.normalize(w.data, dim=0))
