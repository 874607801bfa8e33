"""Mistake: broadcasting the bias with bias.unsqueeze_(0), in place.

unsqueeze_ reshapes the caller's own bias tensor to (1, out): every later use of params
(or of the model the biases belong to) sees the wrong shape.
"""

import torch.nn.functional as F

CAUGHT_BY = "changed the caller's"
REJECTED_BY = "test_functional_equals_reference"


def mlp_functional(x, params):
    for i, (weight, bias) in enumerate(params):
        b = bias.unsqueeze_(0) if bias.dim() == 1 else bias
        x = x @ weight.T + b
        if i < len(params) - 1:
            x = F.relu(x)
    return x
