"""Mistake: BCE on logits as log(1 + exp(x)) - x * t, the textbook softplus form as written.

Right for moderate logits, but exp(1000) overflows to inf: the loss is inf and the
gradient (inf / inf) NaN for one confidently positive logit.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "exp(1000) overflows"
REJECTED_BY = "test_bce_with_logits_is_finite_for_extreme_logits"

solution = solution_for(__file__)


def bce_with_logits(logits, target, reduction="mean"):
    solution._check_reduction(reduction)
    loss = torch.log1p(torch.exp(logits)) - logits * target
    return solution._reduce(loss, reduction)
