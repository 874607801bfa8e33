"""Mistake: classification_loss() converts the targets with .int().

.int() is int32; cross_entropy wants int64 class indices (.long()).
"""

import torch.nn.functional as F

CAUGHT_BY = ".int() makes int32"
REJECTED_BY = "test_classification_loss_fixes_the_target_dtype"


def classification_loss(logits, targets):
    return F.cross_entropy(logits, targets.int())
