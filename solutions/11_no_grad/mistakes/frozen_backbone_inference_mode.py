"""Mistake: the backbone run under torch.inference_mode() to save memory.

Its features are inference tensors; the head's Linear must save its input for backward,
and autograd refuses to save an inference tensor.
"""

import torch
import torch.nn.functional as F

CAUGHT_BY = "inference_mode"
REJECTED_BY = "test_only_the_head_gets_gradients"


def frozen_features_loss(backbone, head, x, targets):
    with torch.inference_mode():
        features = backbone(x)
    return F.cross_entropy(head(features), targets)
