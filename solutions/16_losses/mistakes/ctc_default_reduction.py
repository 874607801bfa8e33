"""Mistake: F.ctc_loss with its default reduction, "mean".

The default divides each loss by its target length and averages over the batch: one
number, where the docstring asks for each sequence's loss, shape (B,).
"""

import torch.nn.functional as F

CAUGHT_BY = "default reduction is 'mean'"
REJECTED_BY = "test_ctc_loss_equals_torch_on_batch_first_logits"


def ctc_loss(logits, targets, input_lengths, target_lengths):
    log_probs = F.log_softmax(logits, dim=-1).transpose(0, 1)
    return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0)
