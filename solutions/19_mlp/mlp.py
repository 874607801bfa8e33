"""Kata 19: an MLP as an nn.Module and as plain functions. See README.md in this folder."""

import itertools
from collections.abc import Sequence

import torch.nn.functional as F
from torch import Tensor, nn


class MLP(nn.Module):
    """A multilayer perceptron: Linear, ReLU, Linear, ReLU, ..., Linear (no ReLU at the end).

    sizes: [in_features, hidden_1, ..., out_features]; layer i maps sizes[i] to
    sizes[i + 1]; ValueError for fewer than two sizes. Every layer is its own nn.Linear
    (with bias), registered so that parameters(), state_dict() and .to(device) see it.
    """

    def __init__(self, sizes: Sequence[int]) -> None:
        super().__init__()
        if len(sizes) < 2:
            raise ValueError(f"sizes needs at least [in_features, out_features], got {sizes}")
        # ModuleList registers each layer; a plain list would hide them from nn.Module
        self.layers = nn.ModuleList(
            nn.Linear(n_in, n_out) for n_in, n_out in itertools.pairwise(sizes)
        )

    def forward(self, x: Tensor) -> Tensor:
        """x: (..., sizes[0]) -> (..., sizes[-1])."""
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:  # the output layer stays linear (logits)
                x = F.relu(x)
        return x


def mlp_functional(x: Tensor, params: Sequence[tuple[Tensor, Tensor]]) -> Tensor:
    """The same network with no module: params[i] = (weight_i, bias_i) of layer i.

    weight_i: (out_i, in_i) and bias_i: (out_i,), laid out like nn.Linear's. Applies each
    layer as x @ weight.T + bias (F.linear), with ReLU between layers but not after the last.
    x: (..., in_0) -> (..., out_last). Gradients flow into the given tensors.
    """
    for i, (weight, bias) in enumerate(params):
        x = F.linear(x, weight, bias)  # x @ weight.T + bias
        if i < len(params) - 1:
            x = F.relu(x)
    return x


def linear_params(model: MLP) -> list[tuple[Tensor, Tensor]]:
    """(weight, bias) of each of the model's nn.Linear layers, in order.

    The tensors are the model's own Parameters (not copies), so mlp_functional(x,
    linear_params(model)) equals model(x) and its backward fills the model's .grad.
    """
    return [(m.weight, m.bias) for m in model.modules() if isinstance(m, nn.Linear)]
