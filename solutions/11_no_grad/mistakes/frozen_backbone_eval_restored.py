"""Mistake: the backbone run in eval mode for the features, its mode put back afterwards.

The flags look untouched, but the features are not those of the backbone in the mode the
caller chose: BatchNorm used its running statistics instead of the batch's, and the
running statistics did not move.
"""

import torch.nn.functional as F

CAUGHT_BY = "the backbone ran in eval mode"
REJECTED_BY = "test_frozen_features_loss_runs_the_modules_in_their_current_mode"


def frozen_features_loss(backbone, head, x, targets):
    modes = {m: m.training for m in backbone.modules()}
    backbone.eval()
    try:
        features = backbone(x).detach()
    finally:
        for m, training in modes.items():
            m.training = training
    return F.cross_entropy(head(features), targets)
