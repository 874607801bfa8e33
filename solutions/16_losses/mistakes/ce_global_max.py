"""Mistake: the log-sum-exp shift by the max of the whole tensor, logits.max(), not each row's.

A row far below the global max underflows: every exp(z - max) is exp(-2000) = 0, and
log(0) = -inf, so the loss of that row is inf.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "the max of the whole tensor"
REJECTED_BY = "test_cross_entropy_is_finite_for_extreme_logits"

solution = solution_for(__file__)


def cross_entropy(logits, target, reduction="mean"):
    solution._check_reduction(reduction)
    shifted = logits - logits.max()
    lse = torch.log(torch.exp(shifted).sum(dim=1))
    picked = shifted.gather(1, target.unsqueeze(1)).squeeze(1)
    return solution._reduce(lse - picked, reduction)
