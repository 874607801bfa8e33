"""Mistake: exp(s) * L + s, the sign of the exponent lost.

The weight of a task is 1 / sigma^2 = exp(-s). With exp(s) the total has no minimum in s:
the optimizer drives s to minus infinity and the weights to zero.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "exp(s) instead of exp(-s)"
REJECTED_BY = "test_total_equals_the_formula_in_float64"

solution = solution_for(__file__)


class UncertaintyWeighting(solution.UncertaintyWeighting):
    def forward(self, losses):
        if len(losses) != self.log_vars.numel() or any(loss.dim() != 0 for loss in losses):
            raise ValueError("one 0-d loss per task")
        return (torch.exp(self.log_vars) * torch.stack(list(losses)) + self.log_vars).sum()
