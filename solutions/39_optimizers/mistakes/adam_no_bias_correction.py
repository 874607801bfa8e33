"""Mistake: Adam without bias correction, p -= lr * m / (sqrt(v) + eps).

m and v start at zero, so in the first steps they are far too small, and in different
proportions: the first step is about 3.16 times too large with the default betas.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "no bias correction"
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
                    id(p), {"m": torch.zeros_like(p), "v": torch.zeros_like(p)}
                )
                g = p.grad
                if self.decoupled:
                    p.mul_(1 - self.lr * self.weight_decay)
                else:
                    g = g + self.weight_decay * p
                s["m"].mul_(beta1).add_(g, alpha=1 - beta1)
                s["v"].mul_(beta2).addcmul_(g, g, value=1 - beta2)
                p.sub_(self.lr * s["m"] / (s["v"].sqrt() + self.eps))


class AdamW(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr, betas, eps, weight_decay)
        self.decoupled = True
