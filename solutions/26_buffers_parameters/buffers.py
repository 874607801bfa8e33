"""Kata 26: parameters, buffers and non-persistent buffers. See README.md in this folder."""

import math

import torch
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
        super().__init__()
        self.momentum, self.eps = momentum, eps
        self.register_parameter("weight", nn.Parameter(torch.ones(num_features)))
        self.register_parameter("bias", nn.Parameter(torch.zeros(num_features)))
        # buffers: state that .to() moves and state_dict() saves, but no optimizer updates
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def forward(self, x: Tensor) -> Tensor:
        if self.training:
            mean = x.mean(dim=0)  # (F,)
            var = x.var(dim=0, unbiased=False)  # normalize with the biased variance
            with torch.no_grad():  # statistics, not part of the graph
                m = self.momentum
                self.running_mean.mul_(1 - m).add_(m * mean)
                self.running_var.mul_(1 - m).add_(m * x.var(dim=0, unbiased=True))
        else:
            mean, var = self.running_mean, self.running_var
        return (x - mean) / torch.sqrt(var + self.eps) * self.weight + self.bias


class SinusoidalPositions(nn.Module):
    """Adds the sinusoidal position encodings of "Attention Is All You Need" to x.

    self.table, (max_len, dim) float32: table[p, 2i] = sin(p / 10000 ** (2i / dim)) and
    table[p, 2i + 1] = cos(p / 10000 ** (2i / dim)). It is a non-persistent buffer: .to()
    moves and casts it with the module, but it is not in state_dict() (it is recomputed, never
    saved) and not in parameters(). forward(x), x (B, T, dim) with T <= max_len ->
    x + table[:T]. Raises ValueError for an odd dim, or in forward for T > max_len.
    """

    def __init__(self, max_len: int, dim: int) -> None:
        super().__init__()
        if dim % 2:
            raise ValueError(f"dim must be even (sin and cos pairs), got {dim}")
        position = torch.arange(max_len, dtype=torch.float64)[:, None]  # (L, 1)
        freq = torch.exp(torch.arange(0, dim, 2, dtype=torch.float64) * (-math.log(1e4) / dim))
        table = torch.empty(max_len, dim, dtype=torch.float64)
        table[:, 0::2] = torch.sin(position * freq)  # (L, dim / 2)
        table[:, 1::2] = torch.cos(position * freq)
        self.register_buffer("table", table.float(), persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        t = x.shape[1]
        if t > self.table.shape[0]:
            raise ValueError(f"sequence length {t} exceeds max_len {self.table.shape[0]}")
        return x + self.table[:t]


def describe_state(module: nn.Module) -> dict[str, str]:
    """Every tensor a module owns (recursively), by its dotted name, and what kind it is.

    The value is "parameter", "buffer" (persistent: saved in state_dict) or
    "non-persistent buffer". Names are those of named_parameters() / named_buffers(), e.g.
    {"weight": "parameter", "running_mean": "buffer", "num_batches_tracked": "buffer", ...}
    for nn.BatchNorm1d. The module is not changed.
    """
    kinds = {name: "parameter" for name, _ in module.named_parameters()}
    saved = set(module.state_dict(keep_vars=True))
    for name, _ in module.named_buffers():
        kinds[name] = "buffer" if name in saved else "non-persistent buffer"
    return kinds
