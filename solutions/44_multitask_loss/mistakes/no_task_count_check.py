"""Mistake: forward without checking that there is one loss per task.

torch.stack of 1 loss broadcasts against (num_tasks,) log-variances: one loss is counted
num_tasks times, each with another task's weight, and nothing complains.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "check len(losses) == num_tasks"
REJECTED_BY = "test_uncertainty_weighting_refuses_bad_inputs"

solution = solution_for(__file__)


class UncertaintyWeighting(solution.UncertaintyWeighting):
    def forward(self, losses):
        stacked = torch.stack(list(losses))
        return (torch.exp(-self.log_vars) * stacked + self.log_vars).sum()
