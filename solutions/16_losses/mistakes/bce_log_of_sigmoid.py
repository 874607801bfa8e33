"""Mistake: BCE written straight from the formula, log(sigmoid(x)) and log(1 - sigmoid(x)).

sigmoid(-1000) is exactly 0 in floating point, so log gives -inf, the loss inf and the
gradient NaN: one confident wrong prediction breaks training.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "log(sigmoid(x))"
REJECTED_BY = "test_bce_with_logits_is_finite_for_extreme_logits"
_reduce = solution_for(__file__)._reduce


def bce_with_logits(logits, target, reduction="mean"):
    p = 1 / (1 + torch.exp(-logits))
    loss = -(target * torch.log(p) + (1 - target) * torch.log(1 - p))
    return _reduce(loss, reduction)
