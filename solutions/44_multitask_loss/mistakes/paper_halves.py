"""Mistake: the paper's regression form 1/(2 sigma^2) L + log sigma, i.e. halves on both terms.

A valid objective, but not the documented variant: its total is half of sum exp(-s) L + s,
so gradients (and the effective learning rate) differ by a factor 2.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "a 1/2 factor"
REJECTED_BY = "test_total_equals_the_formula_in_float64"

solution = solution_for(__file__)


class UncertaintyWeighting(solution.UncertaintyWeighting):
    def forward(self, losses):
        if len(losses) != self.log_vars.numel() or any(loss.dim() != 0 for loss in losses):
            raise ValueError("one 0-d loss per task")
        s = self.log_vars
        return (0.5 * torch.exp(-s) * torch.stack(list(losses)) + 0.5 * s).sum()
