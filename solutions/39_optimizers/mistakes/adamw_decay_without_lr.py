"""Mistake: AdamW shrinks p by (1 - weight_decay), without the learning rate.

The decoupled decay is p *= 1 - lr * weight_decay; without lr, weight_decay=0.01 removes
1% of every weight per step and ignores the schedule.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "without the learning rate"
REJECTED_BY = "test_adamw_equals_torch_over_many_steps"

solution = solution_for(__file__)


class AdamW(solution.AdamW):
    def step(self):
        with torch.no_grad():
            for p in self.params:
                if p.grad is not None:
                    p.mul_(1 - self.weight_decay)
        wd, self.weight_decay = self.weight_decay, 0.0
        try:
            solution.Adam.step(self)
        finally:
            self.weight_decay = wd
