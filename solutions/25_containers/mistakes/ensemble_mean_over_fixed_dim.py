"""Mistake: Ensemble.forward() stacks on the last dim and averages over dim=2.

Right for (B, K) outputs, where the members' dim is 2, but for any other output shape
(a sequence model's (B, T, K)) dim 2 is a data dimension and the members are never averaged.
"""

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "another dimension than the members'"
REJECTED_BY = "test_ensemble_mean_holds_for_outputs_of_any_shape"


class Ensemble(solution.Ensemble):
    def forward(self, x):
        return torch.stack([m(x) for m in self.members], dim=-1).mean(dim=2)
