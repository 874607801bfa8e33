"""Mistake: self.entities.weight = nn.Parameter(F.normalize(...)), a new Parameter.

The optimizer built before still updates the old tensor, which the model no longer uses:
training silently stops for the entities.
"""

import torch.nn.functional as F
from torch import nn

from torchkatas.harness import solution_for

CAUGHT_BY = "same Parameter"
REJECTED_BY = "test_normalize_entities_keeps_the_same_parameter"

solution = solution_for(__file__)


class TransE(solution.TransE):
    def normalize_entities_(self):
        self.entities.weight = nn.Parameter(F.normalize(self.entities.weight.detach(), dim=1))
