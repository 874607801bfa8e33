"""Mistake: mlp_functional uses weight.detach() and bias.detach() (to "keep it functional").

The values are right, but the graph stops at the copies: backward leaves no .grad on the
tensors the caller passed, so nothing trains.
"""

import torch.nn.functional as F

CAUGHT_BY = "left no .grad"
REJECTED_BY = "test_functional_gradients_reach_the_given_tensors"


def mlp_functional(x, params):
    for i, (weight, bias) in enumerate(params):
        x = F.linear(x, weight.detach(), bias.detach())
        if i < len(params) - 1:
            x = F.relu(x)
    return x
