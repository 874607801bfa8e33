"""Kata 27: Xavier and Kaiming initialization from scratch. See README.md in this folder."""

import math

import torch
from torch import Tensor, nn


def fan_in_and_fan_out(weight: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a Linear or Conv weight, as Python ints.

    weight: (out_features, in_features) for nn.Linear, (out_channels, in_channels, *kernel)
    for nn.Conv1d/2d/3d. Each input feeds out_channels * kernel-size outputs and each output
    reads in_channels * kernel-size inputs: fan_in = in * receptive field, fan_out = out *
    receptive field, where the receptive field is the product of the kernel sizes (1 for a
    Linear). Raises ValueError for a tensor with fewer than two dimensions.
    """
    if weight.dim() < 2:
        raise ValueError(f"fans need a weight with at least 2 dimensions, got {weight.dim()}")
    receptive_field = math.prod(weight.shape[2:])  # 1 for a Linear
    return weight.shape[1] * receptive_field, weight.shape[0] * receptive_field


def xavier_uniform_(weight: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot/Xavier uniform initialization, in place; returns weight itself.

    Fills weight with U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)), so the variance is
    gain**2 * 2 / (fan_in + fan_out). weight may be an nn.Parameter that requires grad: no
    autograd graph is recorded and it stays a leaf that requires grad. Uses torch's global
    random generator (torch.manual_seed makes it reproducible).
    """
    fan_in, fan_out = fan_in_and_fan_out(weight)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))  # U(-a, a) has variance a**2 / 3
    with torch.no_grad():  # in-place ops on a leaf that requires grad are refused otherwise
        weight.uniform_(-bound, bound)
    return weight


def kaiming_normal_(weight: Tensor, mode: str = "fan_in", negative_slope: float = 0.0) -> Tensor:
    """He/Kaiming normal initialization for (leaky) ReLU layers, in place; returns weight.

    Fills weight with N(0, std**2), std = gain / sqrt(fan), gain = sqrt(2 / (1 +
    negative_slope**2)) (sqrt(2) for ReLU), fan = fan_in (mode="fan_in", keeps the forward
    activations' variance) or fan_out (mode="fan_out", keeps the gradients'). Raises
    ValueError for another mode. Same contract as xavier_uniform_ otherwise.
    """
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fan_in_and_fan_out(weight)
    fan = fan_in if mode == "fan_in" else fan_out
    gain = math.sqrt(2.0 / (1 + negative_slope**2))  # ReLU zeroes half the variance
    with torch.no_grad():
        weight.normal_(0.0, gain / math.sqrt(fan))
    return weight


def init_weights(module: nn.Module) -> None:
    """For model.apply(init_weights): He-initialize ReLU networks.

    For an nn.Linear, nn.Conv1d, nn.Conv2d or nn.Conv3d: kaiming_normal_(weight) (fan_in,
    ReLU) and its bias, if any, set to zero, both in place: the layer keeps the same
    Parameter objects (an optimizer built before still holds them). Every other module
    (BatchNorm, Embedding, ConvTranspose, activations, containers) is left exactly as it is.
    model.apply calls this once per submodule, so it must not recurse itself.
    """
    if isinstance(module, nn.Linear | nn.Conv1d | nn.Conv2d | nn.Conv3d):
        kaiming_normal_(module.weight)
        if module.bias is not None:
            with torch.no_grad():
                module.bias.zero_()
