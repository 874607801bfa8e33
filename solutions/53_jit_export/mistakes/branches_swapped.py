"""Mistake: torch.cond(pred, self.low, self.high, ...), the branches in the wrong order.

torch.cond runs its second argument when the condition is true.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "the branches swapped"
REJECTED_BY = "test_gate_takes_the_branch_the_batch_mean_picks"

solution = solution_for(__file__)


class Gate(solution.Gate):
    def forward(self, x):
        h = self.drop(self.norm(x))
        return torch.cond(h.mean() > 0, self.low, self.high, (h,))
