"""Mistake: Ensemble.forward() returns torch.stack(outputs).mean(), without dim=.

The mean then runs over every number, members, batch and classes alike: one 0-d tensor
instead of the averaged outputs.
"""

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "without dim="
REJECTED_BY = "test_ensemble_forward_is_the_mean"


class Ensemble(solution.Ensemble):
    def forward(self, x):
        return torch.stack([m(x) for m in self.members]).mean()
