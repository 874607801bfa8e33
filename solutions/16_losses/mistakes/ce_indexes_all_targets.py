"""Mistake: picking the true class with logits[:, target].

That is every row's logit at every target's class, an (N, N) matrix, not one entry per row;
lse - picked then broadcasts to (N, N) as well.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "logits[:, target] picks"
REJECTED_BY = "test_cross_entropy_equals_torch"

solution = solution_for(__file__)


def cross_entropy(logits, target, reduction="mean"):
    solution._check_reduction(reduction)
    shifted = logits - logits.max(dim=1, keepdim=True).values
    lse = torch.log(torch.exp(shifted).sum(dim=1))
    picked = shifted[:, target]  # (N, N)
    return solution._reduce(lse - picked, reduction)
