"""Mistake: eps inside the square root, sqrt(v_hat + eps).

A small change that is not small where v is tiny: PyTorch adds eps after the root,
sqrt(v) / sqrt(1 - beta2 ** t) + eps.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "eps inside the square root"
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
                    id(p), {"t": 0, "m": torch.zeros_like(p), "v": torch.zeros_like(p)}
                )
                s["t"] += 1
                g = p.grad
                if self.decoupled:
                    p.mul_(1 - self.lr * self.weight_decay)
                else:
                    g = g + self.weight_decay * p
                s["m"].mul_(beta1).add_(g, alpha=1 - beta1)
                s["v"].mul_(beta2).addcmul_(g, g, value=1 - beta2)
                m_hat = s["m"] / (1 - beta1 ** s["t"])
                v_hat = s["v"] / (1 - beta2 ** s["t"])
                p.sub_(self.lr * m_hat / (v_hat + self.eps).sqrt())


class AdamW(Adam):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr, betas, eps, weight_decay)
        self.decoupled = True
