"""Mistake: sum_i exp(-s_i) * L_i, without the + s_i term.

Without the regulariser the total falls as s grows: every weight exp(-s_i) runs to zero
and the tasks are switched off.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "missing the + s_i term"
REJECTED_BY = "test_total_equals_the_formula_in_float64"

solution = solution_for(__file__)


class UncertaintyWeighting(solution.UncertaintyWeighting):
    def forward(self, losses):
        if len(losses) != self.log_vars.numel() or any(loss.dim() != 0 for loss in losses):
            raise ValueError("one 0-d loss per task")
        return (torch.exp(-self.log_vars) * torch.stack(list(losses))).sum()
