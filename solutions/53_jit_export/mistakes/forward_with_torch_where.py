"""Mistake: torch.where(h.mean() > 0, high(h), low(h)) instead of torch.cond.

The values are right and it exports, but both layers run on every call: torch.cond runs
only the branch the condition picks.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "computes both branches every time"
REJECTED_BY = "test_gate_exports_with_both_branches_in_the_graph"

solution = solution_for(__file__)


class Gate(solution.Gate):
    def forward(self, x):
        h = self.drop(self.norm(x))
        return torch.where(h.mean() > 0, self.high(h), self.low(h))
