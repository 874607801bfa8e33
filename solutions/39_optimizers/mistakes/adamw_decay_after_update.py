"""Mistake: AdamW's decay applied after the Adam update instead of before it.

PyTorch shrinks p first, p = p * (1 - lr * wd), then subtracts the update; shrinking
after also shrinks the update itself.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "applied after the Adam update"
REJECTED_BY = "test_adamw_equals_torch_over_many_steps"

solution = solution_for(__file__)


class AdamW(solution.AdamW):
    def step(self):
        with_grad = [p for p in self.params if p.grad is not None]
        wd, self.weight_decay = self.weight_decay, 0.0
        try:
            solution.Adam.step(self)
        finally:
            self.weight_decay = wd
        with torch.no_grad():
            for p in with_grad:
                p.mul_(1 - self.lr * wd)
