"""Kata 19: an MLP as an nn.Module and as plain functions. See README.md in this folder."""

from collections.abc import Sequence

from torch import Tensor, nn


class MLP(nn.Module):
    """A multilayer perceptron: Linear, ReLU, Linear, ReLU, ..., Linear (no ReLU at the end).

    sizes: [in_features, hidden_1, ..., out_features]; layer i maps sizes[i] to
    sizes[i + 1]; ValueError for fewer than two sizes. Every layer is its own nn.Linear
    (with bias), registered so that parameters(), state_dict() and .to(device) see it.
    """

    def __init__(self, sizes: Sequence[int]) -> None:
        # TODO: super().__init__(), then one nn.Linear per pair of sizes in an nn.ModuleList
        raise NotImplementedError("TODO: MLP.__init__(sizes)")

    def forward(self, x: Tensor) -> Tensor:
        """x: (..., sizes[0]) -> (..., sizes[-1])."""
        # TODO: each layer, with ReLU between layers
        raise NotImplementedError("TODO: MLP.forward(x)")


def mlp_functional(x: Tensor, params: Sequence[tuple[Tensor, Tensor]]) -> Tensor:
    """The same network with no module: params[i] = (weight_i, bias_i) of layer i.

    weight_i: (out_i, in_i) and bias_i: (out_i,), laid out like nn.Linear's. Applies each
    layer as x @ weight.T + bias (F.linear), with ReLU between layers but not after the last.
    x: (..., in_0) -> (..., out_last). Gradients flow into the given tensors.
    """
    # TODO: torch.nn.functional.linear and torch.nn.functional.relu
    raise NotImplementedError("TODO: mlp_functional(x, params)")


def linear_params(model: MLP) -> list[tuple[Tensor, Tensor]]:
    """(weight, bias) of each of the model's nn.Linear layers, in order.

    The tensors are the model's own Parameters (not copies), so mlp_functional(x,
    linear_params(model)) equals model(x) and its backward fills the model's .grad.
    """
    # TODO: model.modules() (or your ModuleList), keeping the Parameters themselves
    raise NotImplementedError("TODO: linear_params(model)")


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
    # TODO: fold the layers in one at a time: W <- W_i @ W, b <- W_i @ b + b_i
    raise NotImplementedError("TODO: collapse_linear(model)")


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
    # TODO: forward keeping (input, pre-activation) per layer; then from dL/dy = 2 (y - t) / numel
    # go back: dW = g.T @ input, db = g.sum(0), g <- g @ W, times the ReLU's mask z > 0
    raise NotImplementedError("TODO: mlp_backward(x, params, target)")
