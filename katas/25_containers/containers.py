"""Kata 25: nn.Sequential, nn.ModuleList and nn.ModuleDict. See README.md in this folder."""

from collections.abc import Iterable

from torch import Tensor, nn


def mlp_sequential(sizes: list[int]) -> nn.Sequential:
    """An MLP as an nn.Sequential with named layers.

    mlp_sequential([4, 8, 8, 2]) holds, in order: fc0 = Linear(4, 8), relu0 = ReLU(),
    fc1 = Linear(8, 8), relu1 = ReLU(), fc2 = Linear(8, 2): a ReLU after every Linear but
    the last, so model.fc1 is the second Linear and state_dict() has the keys fc0.weight,
    fc0.bias, fc1.weight, ... Raises ValueError for fewer than two sizes.
    """
    # TODO: an OrderedDict of name -> layer, passed to nn.Sequential
    raise NotImplementedError("TODO: mlp_sequential(sizes)")


class Ensemble(nn.Module):
    """The average of several models' outputs.

    members: one or more nn.Modules (any iterable, a generator included) that map the same
    input to outputs of the same shape. They are stored, in order, as self.members, so their
    parameters are this module's parameters (state_dict keys members.0.weight, ...) and
    .to() / .train() / .eval() reach them. forward(x) = mean over members of member(x).
    Raises ValueError for no members.
    """

    def __init__(self, members: Iterable[nn.Module]) -> None:
        # TODO: super().__init__(), then nn.ModuleList (a Python list registers nothing)
        raise NotImplementedError("TODO: Ensemble.__init__")

    def forward(self, x: Tensor) -> Tensor:
        # TODO: stack the members' outputs and take the mean over the new dimension
        raise NotImplementedError("TODO: Ensemble.forward")


class MultiHead(nn.Module):
    """A shared trunk with one linear head per task, as in multi-task learning.

    self.trunk = nn.Sequential(Linear(in_features, hidden), ReLU()); self.heads maps each
    name of `heads` to Linear(hidden, heads[name]), registered (state_dict keys
    heads.<name>.weight, ...). forward(x), x (B, in_features) -> a dict with the same keys in
    the same order as `heads`, name -> logits (B, heads[name]); the trunk runs once.
    Raises ValueError for no heads.
    """

    def __init__(self, in_features: int, hidden: int, heads: dict[str, int]) -> None:
        # TODO: super().__init__(), the trunk, then nn.ModuleDict (a dict registers nothing)
        raise NotImplementedError("TODO: MultiHead.__init__")

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        # TODO: h = self.trunk(x) once, then {name: head(h) for name, head in self.heads.items()}
        raise NotImplementedError("TODO: MultiHead.forward")
