"""Mistake: classification_loss() fixes the targets' dtype with .long() but not their device."""

import torch.nn.functional as F

CAUGHT_BY = "fixes the dtype only"
REJECTED_BY = "test_classification_loss_follows_logits_device"


def classification_loss(logits, targets):
    return F.cross_entropy(logits, targets.long())
