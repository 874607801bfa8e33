"""Mistake: skipping the modules that are not nn.Linear instead of refusing them.

With a ReLU between the layers the stack is not one linear map; folding the Linear layers
and ignoring the ReLU returns a Linear that differs from the model for negative values.
"""

import torch
from torch import nn

CAUGHT_BY = "raise ValueError"
REJECTED_BY = "test_collapse_linear_refuses_what_is_not_a_linear_stack"


def collapse_linear(model):
    layers = [m for m in model if isinstance(m, nn.Linear)]  # silently drops ReLU, Dropout
    if not layers:
        raise ValueError("empty model")
    with torch.no_grad():
        weight = layers[0].weight.clone()
        bias = (
            layers[0].bias.clone() if layers[0].bias is not None else weight.new_zeros(len(weight))
        )
        for layer in layers[1:]:
            weight = layer.weight @ weight
            bias = layer.weight @ bias + (layer.bias if layer.bias is not None else 0)
        out = nn.Linear(weight.shape[1], weight.shape[0], dtype=weight.dtype, device=weight.device)
        out.weight.copy_(weight)
        out.bias.copy_(bias)
    return out
