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
