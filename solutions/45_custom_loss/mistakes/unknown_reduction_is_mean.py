"""Mistake: no check of reduction: anything other than "none" or "sum" is treated as "mean".

A typo ("avg", "batchmean") then trains with a loss the caller did not ask for, silently.
"""

from torch import nn

from torchkatas.harness import solution_for

CAUGHT_BY = "must not quietly become 'mean'"
REJECTED_BY = "test_bad_settings_and_shapes_raise"

solution = solution_for(__file__)


class FocalLoss(solution.FocalLoss):
    def __init__(self, gamma=2.0, alpha=None, reduction="mean", ignore_index=-100):
        known = reduction if reduction in ("none", "sum") else "mean"
        super().__init__(gamma, alpha, known, ignore_index)
        nn.Module.__setattr__(self, "reduction", known)
