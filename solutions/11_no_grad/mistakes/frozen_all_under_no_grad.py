"""Mistake: the whole loss computed under torch.no_grad().

Nothing is recorded, the head included: the loss has no grad_fn and cannot train anything.
"""

import torch
import torch.nn.functional as F

CAUGHT_BY = "loss with no graph"
REJECTED_BY = "test_only_the_head_gets_gradients"


def frozen_features_loss(backbone, head, x, targets):
    with torch.no_grad():
        return F.cross_entropy(head(backbone(x)), targets)
