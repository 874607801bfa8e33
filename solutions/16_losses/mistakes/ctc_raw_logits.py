"""Mistake: giving F.ctc_loss the raw logits instead of log_softmax(logits).

ctc_loss assumes its input already is log-probabilities; unnormalised scores give a
meaningless number (often negative) and wrong gradients.
"""

import torch.nn.functional as F

CAUGHT_BY = "log-probabilities"
REJECTED_BY = "test_ctc_loss_equals_torch_on_batch_first_logits"


def ctc_loss(logits, targets, input_lengths, target_lengths):
    return F.ctc_loss(
        logits.transpose(0, 1), targets, input_lengths, target_lengths, reduction="none"
    )
