"""Mistake: with alpha, "mean" divides by the sum of the targets' alpha weights.

That is F.cross_entropy(weight=...)'s weighted mean; this kata's documented mean divides by
the number of counted targets, so alpha changes the loss's scale as a weight should.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "sum of the targets' alpha weights"
REJECTED_BY = "test_alpha_at_gamma_zero_matches_weighted_cross_entropy"

solution = solution_for(__file__)


class FocalLoss(solution.FocalLoss):
    def forward(self, logits, targets):
        if self.reduction != "mean" or self.alpha is None:
            return super().forward(logits, targets)
        self.reduction = "sum"
        try:
            total = super().forward(logits, targets)
        finally:
            self.reduction = "mean"
        keep = targets != self.ignore_index
        safe = torch.where(keep, targets, torch.zeros_like(targets))
        return total / (self.alpha.to(total.dtype)[safe] * keep).sum()
