"""Mistake: the hand-written Adam calls torch.optim's functional adam.

The numbers are right, but the kata asks for the moments and the bias correction by hand.
"""

import torch
from torch.optim._functional import adam

from torchkatas.harness import solution_for

CAUGHT_BY = "asks you to write yourself"
REJECTED_BY = "test_adam_equals_torch_over_many_steps"

solution = solution_for(__file__)


class Adam(solution.Adam):
    def step(self):
        beta1, beta2 = self.betas
        with torch.no_grad():
            for p in self.params:
                if p.grad is None:
                    continue
                s = self.state.setdefault(
                    id(p),
                    {"m": torch.zeros_like(p), "v": torch.zeros_like(p), "t": torch.tensor(0.0)},
                )
                adam(
                    [p],
                    [p.grad],
                    [s["m"]],
                    [s["v"]],
                    [],
                    [s["t"]],
                    amsgrad=False,
                    beta1=beta1,
                    beta2=beta2,
                    lr=self.lr,
                    weight_decay=self.weight_decay,
                    eps=self.eps,
                    maximize=False,
                    decoupled_weight_decay=self.decoupled,
                )
