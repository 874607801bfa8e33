"""Mistake: finding the feature count by running the layers on a zero tensor.

It works in a notebook, but it is not the formula the kata (and the interviewer) asks for,
and it costs a forward pass and memory for large inputs.
"""

import torch

CAUGHT_BY = "running the layers on a dummy input"
REJECTED_BY = "test_flattened_features_agrees_with_a_forward_pass"


def flattened_features(input_shape, layers):
    with torch.no_grad():
        return layers.eval()(torch.zeros(1, *input_shape)).flatten(1).shape[1]
