"""Mistake: reduction "mean" as loss.mean() after zeroing the ignored targets.

The zeros still count: the mean is divided by N instead of the number of real targets, so
batches with much padding get a smaller loss.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "the mean counts ignored targets"
REJECTED_BY = "test_ignored_targets_count_for_nothing"

solution = solution_for(__file__)


class FocalLoss(solution.FocalLoss):
    def forward(self, logits, targets):
        if self.reduction != "mean":
            return super().forward(logits, targets)
        self.reduction = "none"
        try:
            return super().forward(logits, targets).mean()
        finally:
            self.reduction = "mean"
