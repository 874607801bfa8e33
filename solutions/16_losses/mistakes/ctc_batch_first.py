"""Mistake: passing batch-first (B, T, C) log-probabilities to F.ctc_loss.

ctc_loss reads dim 0 as time: it raises when an input length exceeds B, and silently
computes the wrong thing when B == T.
"""

import torch.nn.functional as F

CAUGHT_BY = "time first"
REJECTED_BY = "test_ctc_loss_equals_torch_on_batch_first_logits"


def ctc_loss(logits, targets, input_lengths, target_lengths):
    return F.ctc_loss(
        logits.log_softmax(-1), targets, input_lengths, target_lengths, reduction="none"
    )
