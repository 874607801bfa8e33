"""Mistake: log(sum(exp(z))) computed as written, without subtracting the row max.

exp(1000) overflows to inf: the loss becomes inf or NaN for large logits.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "subtracting the row max"
REJECTED_BY = "test_cross_entropy_is_finite_for_extreme_logits"
_reduce = solution_for(__file__)._reduce


def cross_entropy(logits, target, reduction="mean"):
    lse = torch.log(torch.exp(logits).sum(dim=1))
    picked = logits.gather(1, target.unsqueeze(1)).squeeze(1)
    return _reduce(lse - picked, reduction)
