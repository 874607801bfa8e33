"""Mistake: the bandit copies its generator's state at the start and restores it on every pull.

Every pull then repeats the same noise, so the "random" rewards are a fixed table and
averaging over pulls never averages the noise away.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "re-seeded (or copied) on every pull"
REJECTED_BY = "test_bandit_rewards_are_means_plus_noise_from_its_generator"

solution = solution_for(__file__)


class Bandit(solution.Bandit):
    def pull(self, actions):
        if actions.numel() and (actions.min() < 0 or actions.max() >= self.num_arms):
            raise ValueError("action out of range")
        if not hasattr(self, "_state"):
            gen = self.generator if self.generator is not None else torch.default_generator
            self._state = gen.get_state()
        gen = torch.Generator()
        gen.set_state(self._state)
        noise = torch.randn(actions.shape, generator=gen, dtype=self.means.dtype)
        return self.means[actions] + self.std * noise.to(self.means.device)
