"""Mistake: backbone.eval() before extracting features, "a frozen backbone is in eval mode".

The caller decides the modes: a backbone with BatchNorm in train mode normalises by batch
statistics (and updates its running ones). This answer switches it to eval for good.
"""

import torch.nn.functional as F

CAUGHT_BY = "backbone.eval()"
REJECTED_BY = "test_frozen_features_loss_runs_the_modules_in_their_current_mode"


def frozen_features_loss(backbone, head, x, targets):
    backbone.eval()
    features = backbone(x).detach()
    return F.cross_entropy(head(features), targets)
