"""Mistake: lse = m + log(sum(exp(z - m))), then lse - z[target], on the unshifted logits.

Finite, but in float32 m + log(2) = 1000.693 rounds (float32's spacing at 1000 is 6e-5):
subtracting z[target] = 1000 afterwards leaves 0.69312 for 0.69315, off in the 5th digit.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "adding the max back"
REJECTED_BY = "test_cross_entropy_is_finite_for_extreme_logits"

solution = solution_for(__file__)


def cross_entropy(logits, target, reduction="mean"):
    solution._check_reduction(reduction)
    m = logits.max(dim=1, keepdim=True).values  # (N, 1)
    lse = (m + torch.log(torch.exp(logits - m).sum(dim=1, keepdim=True))).squeeze(1)
    picked = logits.gather(1, target.unsqueeze(1)).squeeze(1)
    return solution._reduce(lse - picked, reduction)
