"""Kata 25: nn.Sequential, nn.ModuleList and nn.ModuleDict. See README.md in this folder."""

import itertools
from collections import OrderedDict
from collections.abc import Iterable

import torch
from torch import Tensor, nn


def mlp_sequential(sizes: list[int]) -> nn.Sequential:
    """An MLP as an nn.Sequential with named layers.

    mlp_sequential([4, 8, 8, 2]) holds, in order: fc0 = Linear(4, 8), relu0 = ReLU(),
    fc1 = Linear(8, 8), relu1 = ReLU(), fc2 = Linear(8, 2): a ReLU after every Linear but
    the last, so model.fc1 is the second Linear and state_dict() has the keys fc0.weight,
    fc0.bias, fc1.weight, ... Raises ValueError for fewer than two sizes.
    """
    if len(sizes) < 2:
        raise ValueError(f"an MLP needs at least two sizes (in and out), got {sizes}")
    layers: OrderedDict[str, nn.Module] = OrderedDict()
    pairs = list(itertools.pairwise(sizes))
    for i, (n_in, n_out) in enumerate(pairs):
        layers[f"fc{i}"] = nn.Linear(n_in, n_out)
        if i < len(pairs) - 1:
            layers[f"relu{i}"] = nn.ReLU()
    return nn.Sequential(layers)


class Ensemble(nn.Module):
    """The average of several models' outputs.

    members: one or more nn.Modules (any iterable, a generator included) that map the same
    input to outputs of the same shape. They are stored, in order, as self.members, so their
    parameters are this module's parameters (state_dict keys members.0.weight, ...) and
    .to() / .train() / .eval() reach them. forward(x) = mean over members of member(x).
    Raises ValueError for no members.
    """

    def __init__(self, members: Iterable[nn.Module]) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)  # registered: a plain list would hide them
        if len(self.members) == 0:
            raise ValueError("an Ensemble needs at least one member")

    def forward(self, x: Tensor) -> Tensor:
        outputs = torch.stack([member(x) for member in self.members])  # (M, *out)
        return outputs.mean(dim=0)


class MultiHead(nn.Module):
    """A shared trunk with one linear head per task, as in multi-task learning.

    self.trunk = nn.Sequential(Linear(in_features, hidden), ReLU()); self.heads maps each
    name of `heads` to Linear(hidden, heads[name]), registered (state_dict keys
    heads.<name>.weight, ...). forward(x), x (B, in_features) -> a dict with the same keys in
    the same order as `heads`, name -> logits (B, heads[name]); the trunk runs once.
    Raises ValueError for no heads.
    """

    def __init__(self, in_features: int, hidden: int, heads: dict[str, int]) -> None:
        super().__init__()
        if not heads:
            raise ValueError("MultiHead needs at least one head")
        self.trunk = nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU())
        self.heads = nn.ModuleDict({name: nn.Linear(hidden, n) for name, n in heads.items()})

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        h = self.trunk(x)  # (B, hidden), shared by every head
        return {name: head(h) for name, head in self.heads.items()}
