"""Mistake: freezing the backbone with requires_grad_(False) instead of cutting the graph.

No gradient reaches the backbone, as asked, but the caller's module is changed for good:
unfreezing it later for fine-tuning now needs to know this function did it.
"""

import torch.nn.functional as F

CAUGHT_BY = "changed requires_grad"
REJECTED_BY = "test_only_the_head_gets_gradients"


def frozen_features_loss(backbone, head, x, targets):
    backbone.requires_grad_(False)
    return F.cross_entropy(head(backbone(x)), targets)
