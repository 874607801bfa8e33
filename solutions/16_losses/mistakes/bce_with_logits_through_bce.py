"""Mistake: bce_with_logits as bce(sigmoid(logits)), reusing the clamped BCE on probabilities.

It stays finite, but sigmoid rounds to exactly 1.0 in float32 from a logit of about 17: the
loss stops at the clamp (100) whatever the logit, and the gradient there is 0.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "sigmoid rounds to 1 in float32"
REJECTED_BY = "test_bce_of_sigmoid_saturates_where_bce_with_logits_does_not"
solution = solution_for(__file__)


def bce_with_logits(logits, target, reduction="mean"):
    return solution.bce(torch.sigmoid(logits), target, reduction)
