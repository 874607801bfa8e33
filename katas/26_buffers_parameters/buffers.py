"""Kata 26: parameters, buffers and non-persistent buffers. See README.md in this folder."""

from torch import Tensor, nn


class RunningNorm(nn.Module):
    """Per-feature normalization with running statistics: BatchNorm1d, by hand.

    Registered state, with these names, all float32 on the default device when built:
      weight: Parameter, ones (num_features,), registered with register_parameter
      bias: Parameter, zeros (num_features,)
      running_mean: buffer, zeros (num_features,), persistent (saved in state_dict)
      running_var: buffer, ones (num_features,), persistent
    parameters() holds weight and bias only; state_dict() holds all four.

    forward(x), x (B, num_features) -> (B, num_features), (x - mean) / sqrt(var + eps) *
    weight + bias, where in training mode mean and var are the batch's (var biased, B >= 2)
    and the running statistics are updated in place, with no autograd graph attached:
    running = (1 - momentum) * running + momentum * batch statistic, using the unbiased
    variance for running_var; in eval mode mean and var are the running ones, unchanged.
    """

    def __init__(self, num_features: int, momentum: float = 0.1, eps: float = 1e-5) -> None:
        # TODO: super().__init__(); register_parameter("weight", nn.Parameter(...)) and
        # register_buffer("running_mean", ...)
        raise NotImplementedError("TODO: RunningNorm.__init__")

    def forward(self, x: Tensor) -> Tensor:
        # TODO: batch or running statistics; update the running ones under torch.no_grad()
        raise NotImplementedError("TODO: RunningNorm.forward")


class SinusoidalPositions(nn.Module):
    """Adds the sinusoidal position encodings of "Attention Is All You Need" to x.

    self.table, (max_len, dim) float32: table[p, 2i] = sin(p / 10000 ** (2i / dim)) and
    table[p, 2i + 1] = cos(p / 10000 ** (2i / dim)). It is a non-persistent buffer: .to()
    moves and casts it with the module, but it is not in state_dict() (it is recomputed, never
    saved) and not in parameters(). forward(x), x (B, T, dim) with T <= max_len ->
    x + table[:T]. Raises ValueError for an odd dim, or in forward for T > max_len.
    """

    def __init__(self, max_len: int, dim: int) -> None:
        # TODO: compute the table, then register_buffer("table", table, persistent=False)
        raise NotImplementedError("TODO: SinusoidalPositions.__init__")

    def forward(self, x: Tensor) -> Tensor:
        # TODO: x + self.table[:T]
        raise NotImplementedError("TODO: SinusoidalPositions.forward")


def describe_state(module: nn.Module) -> dict[str, str]:
    """Every tensor a module owns (recursively), by its dotted name, and what kind it is.

    The value is "parameter", "buffer" (persistent: saved in state_dict) or
    "non-persistent buffer". Names are those of named_parameters() / named_buffers(), e.g.
    {"weight": "parameter", "running_mean": "buffer", "num_batches_tracked": "buffer", ...}
    for nn.BatchNorm1d. The module is not changed.
    """
    # TODO: named_parameters(), named_buffers(), and state_dict()'s keys to tell persistence
    raise NotImplementedError("TODO: describe_state(module)")
