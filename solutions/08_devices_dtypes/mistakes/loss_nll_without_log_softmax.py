"""Mistake: classification_loss() calls F.nll_loss(logits, targets.long()) on raw logits.

nll_loss expects log-probabilities; cross_entropy is log_softmax then nll_loss. On raw
logits the number is not the cross-entropy (it can even be negative).
"""

import torch
import torch.nn.functional as F

CAUGHT_BY = "F.nll_loss on logits without log_softmax"
REJECTED_BY = "test_classification_loss_fixes_the_target_dtype"


def classification_loss(logits, targets):
    return F.nll_loss(logits, targets.to(device=logits.device, dtype=torch.long))
