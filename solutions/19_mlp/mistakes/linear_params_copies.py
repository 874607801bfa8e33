"""Mistake: linear_params returns detached copies of the weights.

The numbers match, but the functional net no longer shares the model's weights: its
backward never reaches the model's .grad, so training through it trains nothing.
"""

from torch import nn

CAUGHT_BY = "copies"
REJECTED_BY = "test_shared_weights_give_identical_outputs"


def linear_params(model):
    return [
        (m.weight.detach().clone(), m.bias.detach().clone())
        for m in model.modules()
        if isinstance(m, nn.Linear)
    ]
