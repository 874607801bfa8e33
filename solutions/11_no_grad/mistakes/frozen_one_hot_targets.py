"""Mistake: one-hot targets for cross_entropy, as Keras' categorical cross-entropy wants.

F.cross_entropy takes (B,) class indices; a one-hot long tensor is read as class
probabilities, which must be floating point, so it raises a RuntimeError that has nothing
to do with the graph.
"""

import torch.nn.functional as F

CAUGHT_BY = "targets as (B,) class indices"
REJECTED_BY = "test_only_the_head_gets_gradients"


def frozen_features_loss(backbone, head, x, targets):
    features = backbone(x).detach()
    logits = head(features)
    return F.cross_entropy(logits, F.one_hot(targets, logits.shape[1]))
