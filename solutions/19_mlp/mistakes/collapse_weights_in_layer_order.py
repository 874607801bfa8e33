"""Mistake: multiplying the weights in layer order, W_1 @ W_2 @ ... @ W_k.

layer_k(...layer_1(x)) applies W_1 first, so the product is W_k @ ... @ W_1; in layer order
the shapes only chain for square layers, and then the map is wrong.
"""

import torch
from torch import nn

CAUGHT_BY = "the last layer's weight on the left"
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
        bias = (
            layers[0].bias.clone() if layers[0].bias is not None else weight.new_zeros(len(weight))
        )
        for layer in layers[1:]:
            weight = weight @ layer.weight  # the wrong order
            bias = layer.weight @ bias + (layer.bias if layer.bias is not None else 0)
        out = nn.Linear(weight.shape[1], weight.shape[0], dtype=weight.dtype, device=weight.device)
        out.weight.copy_(weight)
        out.bias.copy_(bias)
    return out
