"""Mistake: the collapsed bias as the sum of the layers' biases.

An earlier bias goes through every later weight: layer_2(W_1 x + b_1) = W_2 W_1 x + W_2 b_1
+ b_2, so b = W_2 b_1 + b_2, not b_1 + b_2.
"""

import torch
from torch import nn

CAUGHT_BY = "each earlier bias passes through the later weights"
REJECTED_BY = "test_collapse_linear_equals_the_stack"


def collapse_linear(model):
    layers = list(model)
    if not layers:
        raise ValueError("empty model")
    for i, layer in enumerate(layers):
        if not isinstance(layer, nn.Linear):
            raise ValueError(f"layer {i} is {type(layer).__name__}, not an nn.Linear")
        if i and layer.in_features != layers[i - 1].out_features:
            raise ValueError("the sizes do not chain")
    with torch.no_grad():
        weight = layers[0].weight.clone()
        bias = weight.new_zeros(layers[-1].out_features)
        for layer in layers[1:]:
            weight = layer.weight @ weight
        for layer in layers:
            if layer.bias is not None:
                bias = bias + layer.bias  # wrong: biases are not carried through the weights
        out = nn.Linear(weight.shape[1], weight.shape[0], dtype=weight.dtype, device=weight.device)
        out.weight.copy_(weight)
        out.bias.copy_(bias)
    return out
