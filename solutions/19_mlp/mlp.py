"""Kata 19: an MLP as an nn.Module and as plain functions. See README.md in this folder."""

import itertools
from collections.abc import Sequence

import torch
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


def collapse_linear(model: nn.Sequential) -> nn.Linear:
    """The one nn.Linear that computes the same function as a stack of nn.Linear layers.

    model: an nn.Sequential of nn.Linear layers only (with or without bias), each taking
    the previous one's out_features; not modified. Returns a new nn.Linear (with a bias,
    sharing no tensor with the model) of the model's dtype and device whose weight is
    W_k @ ... @ W_2 @ W_1 and whose bias is the layers' biases carried through the later
    weights, so that it equals model(x) for every x, up to rounding. Raises ValueError for
    an empty model, for layers whose sizes do not chain, and for any module that is not an
    nn.Linear (ReLU, Dropout, ...): with a non-linearity between them, no single Linear
    computes the stack.
    """
    layers = list(model)
    if not layers:
        raise ValueError("collapse_linear needs at least one nn.Linear; the model is empty")
    for i, layer in enumerate(layers):
        if not isinstance(layer, nn.Linear):
            raise ValueError(
                f"layer {i} is {type(layer).__name__}, not an nn.Linear: a stack with a "
                f"non-linearity in it is not one linear map, and no single Linear equals it"
            )
        if i and layer.in_features != layers[i - 1].out_features:
            raise ValueError(
                f"layer {i} takes {layer.in_features} features, but layer {i - 1} gives "
                f"{layers[i - 1].out_features}: the sizes do not chain"
            )
    first = layers[0]
    with torch.no_grad():  # new weights, not a graph hanging off the model's
        weight = first.weight.clone()  # (out_1, in_1)
        bias = first.bias.clone() if first.bias is not None else weight.new_zeros(len(weight))
        for layer in layers[1:]:
            # layer(W x + b) = (W_i W) x + (W_i b + b_i): the earlier bias goes through W_i
            weight = layer.weight @ weight  # (out_i, in_1)
            bias = layer.weight @ bias
            if layer.bias is not None:
                bias = bias + layer.bias
        out = nn.Linear(
            first.in_features, layers[-1].out_features, dtype=weight.dtype, device=weight.device
        )
        out.weight.copy_(weight)
        out.bias.copy_(bias)
    return out


def mlp_backward(
    x: Tensor, params: Sequence[tuple[Tensor, Tensor]], target: Tensor
) -> list[tuple[Tensor, Tensor]]:
    """The gradients of an MSE loss through mlp_functional's network, by hand.

    x: (N, in_0); params as in mlp_functional; target: (N, out_last); one floating dtype
    and device; none of them is modified. The loss is
    ((mlp_functional(x, params) - target) ** 2).mean(), the mean over every element
    (F.mse_loss's "mean"). Returns [(dW_0, db_0), (dW_1, db_1), ...]: the loss's gradient
    with respect to each weight and bias, shaped like them. Compute it with matrix
    products: a forward pass that keeps each layer's input and pre-activation, then the
    chain rule from the last layer back. ReLU's gradient at exactly 0 is 0, as torch's. Do
    not use autograd (.backward(), torch.autograd.grad, torch.func).
    """
    # forward, keeping what the backward pass needs: each layer's input and pre-activation
    inputs, pre_activations = [], []
    a = x
    for i, (weight, bias) in enumerate(params):
        z = a @ weight.T + bias  # (N, out_i)
        inputs.append(a)
        pre_activations.append(z)
        a = z.clamp(min=0) if i < len(params) - 1 else z
    # d mean((y - t)^2) / dy: every element counts once in the mean, N * out_last of them
    grad = 2 * (a - target) / a.numel()  # (N, out_last)
    grads = []
    for i in reversed(range(len(params))):
        if i < len(params) - 1:
            # through the ReLU after layer i: slope 1 where z > 0, and 0 at z = 0 (torch's)
            grad = grad * (pre_activations[i] > 0)
        weight = params[i][0]
        grads.append((grad.T @ inputs[i], grad.sum(0)))  # (out_i, in_i), (out_i,)
        grad = grad @ weight  # (N, in_i): the gradient with respect to layer i's input
    return grads[::-1]
