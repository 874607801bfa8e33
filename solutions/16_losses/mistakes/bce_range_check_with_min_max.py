"""Mistake: the range check as probs.min() < 0 or probs.max() > 1.

Right for every non-empty batch, but min() and max() of an empty tensor raise RuntimeError,
where torch's BCE returns NaN ('mean'), 0 ('sum') or an empty tensor ('none').
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "min() or max() of an empty tensor"
REJECTED_BY = "test_losses_of_an_empty_batch"

solution = solution_for(__file__)


def bce(probs, target, reduction="mean"):
    solution._check_reduction(reduction)
    if probs.min() < 0 or probs.max() > 1:
        raise ValueError("bce expects probabilities in [0, 1]")
    log_p = torch.log(probs).clamp(min=-100)
    log_not_p = torch.log1p(-probs).clamp(min=-100)
    return solution._reduce(-(target * log_p + (1 - target) * log_not_p), reduction)
