"""Mistake: mlp_functional applies a ReLU after every layer, the last one included.

The output layer gives logits, which may be negative; a ReLU after it clips them to 0
(a one-layer identity net no longer returns negative x).
"""

import torch.nn.functional as F

CAUGHT_BY = "no ReLU after"
REJECTED_BY = "test_functional_identity_layer_returns_x"


def mlp_functional(x, params):
    for weight, bias in params:
        x = F.relu(F.linear(x, weight, bias))
    return x
