"""Mistake: bce_with_logits that just calls F.binary_cross_entropy_with_logits.

Right numbers, but the kata asks for the stable formula itself (as an interviewer would).
"""

import torch.nn.functional as F

CAUGHT_BY = "which this kata asks you to write yourself"
REJECTED_BY = "test_bce_with_logits_equals_torch"


def bce_with_logits(logits, target, reduction="mean"):
    return F.binary_cross_entropy_with_logits(logits, target, reduction=reduction)
