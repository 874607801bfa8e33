"""Mistake: head(backbone(x)) with nothing cutting the graph.

The loss is right, but backward() runs through the backbone too and fills its .grad: an
optimizer over all parameters would then train the "frozen" backbone.
"""

import torch.nn.functional as F

CAUGHT_BY = "backbone received gradients"
REJECTED_BY = "test_only_the_head_gets_gradients"


def frozen_features_loss(backbone, head, x, targets):
    return F.cross_entropy(head(backbone(x)), targets)
