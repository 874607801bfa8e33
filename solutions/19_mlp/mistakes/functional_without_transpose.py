"""Mistake: applying a layer as x @ weight + bias.

nn.Linear stores weight as (out_features, in_features): the product needs weight.T
(F.linear does it). Without it the shapes clash, or (square layers) the result is wrong.
"""

import torch

CAUGHT_BY = "x @ W.T"
REJECTED_BY = "test_functional_equals_reference"


def mlp_functional(x, params):
    for i, (weight, bias) in enumerate(params):
        x = x @ weight + bias
        if i < len(params) - 1:
            x = torch.relu(x)
    return x
