"""Mistake: Ensemble.forward() sums the members' outputs instead of averaging them.

The scale then grows with the number of members.
"""

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "sum of the outputs"
REJECTED_BY = "test_ensemble_forward_is_the_mean"


class Ensemble(solution.Ensemble):
    def forward(self, x):
        return torch.stack([m(x) for m in self.members]).sum(dim=0)
