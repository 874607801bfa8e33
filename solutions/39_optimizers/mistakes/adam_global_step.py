"""Mistake: one step counter for the whole optimizer, t += 1 per step() call.

A parameter that had no gradient at some steps has taken fewer steps than the optimizer:
its bias correction must use its own count, as PyTorch keeps per parameter.
"""

import math

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "one step count for all parameters"
REJECTED_BY = "test_adam_equals_torch_over_many_steps"

solution = solution_for(__file__)


class Adam(solution.Adam):
    def step(self):
        beta1, beta2 = self.betas
        self.t = getattr(self, "t", 0) + 1
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
                denom = s["v"].sqrt() / math.sqrt(1 - beta2**self.t) + self.eps
                p.sub_(self.lr / (1 - beta1**self.t) * s["m"] / denom)


class AdamW(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr, betas, eps, weight_decay)
        self.decoupled = True
