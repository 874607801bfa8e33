"""Mistake: classification_loss() converts the targets with targets.to(logits).

That moves them to logits' device but also casts them to logits' floating dtype: class
indices must be int64, so cross_entropy still refuses them.
"""

import torch.nn.functional as F

CAUGHT_BY = "still floating point"
REJECTED_BY = "test_classification_loss_fixes_the_target_dtype"


def classification_loss(logits, targets):
    return F.cross_entropy(logits, targets.to(logits))
