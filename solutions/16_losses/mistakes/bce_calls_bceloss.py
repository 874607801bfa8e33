"""Mistake: bce that calls nn.BCELoss (which calls F.binary_cross_entropy).

Right numbers, but the task is to write the clamped formula, as an interviewer would ask.
"""

from torch import nn

CAUGHT_BY = "which this kata asks you to write yourself"
REJECTED_BY = "test_bce_equals_torch"


def bce(probs, target, reduction="mean"):
    return nn.BCELoss(reduction=reduction)(probs, target)
