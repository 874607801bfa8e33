"""Mistake: frozen_features_loss() detaches the input, head(backbone(x.detach())).

Detaching x cuts nothing that matters: the backbone's parameters are still in the graph,
so backward fills their .grad and an optimiser over all parameters trains the backbone.
"""

import torch.nn.functional as F

CAUGHT_BY = "detach() on the input x"
REJECTED_BY = "test_only_the_head_gets_gradients"


def frozen_features_loss(backbone, head, x, targets):
    return F.cross_entropy(head(backbone(x.detach())), targets)
