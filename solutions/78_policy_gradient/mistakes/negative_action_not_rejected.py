"""Mistake: pull checks only the upper bound of the actions.

A negative index is legal in Python and torch: action -1 silently pulls the last arm.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "a negative index would silently pull arm A - 1"
REJECTED_BY = "test_bandit_rejects_bad_arguments"

solution = solution_for(__file__)


class Bandit(solution.Bandit):
    def pull(self, actions):
        if actions.numel() and actions.max() >= self.num_arms:
            raise ValueError("action out of range")
        noise = torch.randn(actions.shape, generator=self.generator, dtype=self.means.dtype)
        return self.means[actions] + self.std * noise.to(self.means.device)
