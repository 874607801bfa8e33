"""Mistake: bce that never checks that its input is a probability.

Given logits by mistake (the classic BCELoss bug), it returns a number (log of a negative
value is NaN, of a value above 1 a wrong sign) instead of saying what went wrong.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "logits were passed by mistake"
REJECTED_BY = "test_bce_rejects_probabilities_outside_0_1"
solution = solution_for(__file__)


def bce(probs, target, reduction="mean"):
    solution._check_reduction(reduction)
    log_p = torch.log(probs).clamp(min=-100)
    log_not_p = torch.log1p(-probs).clamp(min=-100)
    return solution._reduce(-(target * log_p + (1 - target) * log_not_p), reduction)
