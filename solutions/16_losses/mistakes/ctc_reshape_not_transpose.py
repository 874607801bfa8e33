"""Mistake: log_probs.reshape(T, B, C) to make the batch-first tensor time first.

reshape keeps the memory order, so it relabels the numbers instead of moving them: frame t
of sequence b ends up somewhere else entirely. Only transpose(0, 1) swaps the two axes.
"""

import torch.nn.functional as F

CAUGHT_BY = "not reshape or view"
REJECTED_BY = "test_ctc_loss_equals_torch_on_batch_first_logits"


def ctc_loss(logits, targets, input_lengths, target_lengths):
    b, t, c = logits.shape
    log_probs = F.log_softmax(logits, dim=-1).reshape(t, b, c)
    return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, reduction="none")
