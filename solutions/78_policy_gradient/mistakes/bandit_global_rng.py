"""Mistake: the bandit draws its noise from torch's global generator.

The generator passed in is ignored, so two runs with the same seed see different rewards
and nothing about an experiment can be reproduced.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "generator= forgotten"
REJECTED_BY = "test_bandit_rewards_are_means_plus_noise_from_its_generator"

solution = solution_for(__file__)


class Bandit(solution.Bandit):
    def pull(self, actions):
        if actions.numel() and (actions.min() < 0 or actions.max() >= self.num_arms):
            raise ValueError("action out of range")
        noise = torch.randn(actions.shape, dtype=self.means.dtype)
        return self.means[actions] + self.std * noise.to(self.means.device)
