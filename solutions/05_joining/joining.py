"""Kata 05: joining, splitting, gathering and scattering. See README.md in this folder."""

import torch
from torch import Tensor


def stack_samples(samples: list[Tensor]) -> Tensor:
    """Stack equally shaped samples into a batch along a new first dimension.

    samples: a non-empty list of B tensors, each (C, L). Returns (B, C, L), a new tensor
    (a copy: writing to it does not change the samples). Raises ValueError for an empty list.
    """
    if not samples:
        raise ValueError("stack_samples needs at least one sample")
    return torch.stack(samples, dim=0)  # (B, C, L)


def concat_batches(batches: list[Tensor]) -> Tensor:
    """Join batches of different sizes into one batch along the existing first dimension.

    batches: a non-empty list of tensors (B_i, ...) whose trailing dimensions agree.
    Returns (sum of B_i, ...), a new tensor (a copy). Raises ValueError for an empty list.
    """
    if not batches:
        raise ValueError("concat_batches needs at least one batch")
    return torch.cat(batches, dim=0)  # (sum B_i, ...)


def split_by_sizes(x: Tensor, sizes: list[int]) -> tuple[Tensor, ...]:
    """x cut along dim 0 into consecutive pieces of the given sizes, as views.

    x: (N, ...), sizes: non-negative ints summing to N. Returns a tuple of len(sizes)
    tensors, piece k of shape (sizes[k], ...), each a view sharing x's storage (no copy).
    Raises ValueError if the sizes do not sum to N.
    """
    if sum(sizes) != x.shape[0]:
        raise ValueError(f"sizes {sizes} sum to {sum(sizes)}, but x has {x.shape[0]} rows")
    return torch.split(x, sizes, dim=0)


def halves(x: Tensor) -> tuple[Tensor, Tensor]:
    """The two halves of x's last dimension (as a GLU layer splits its input), as views.

    x: (..., 2H). Returns (first, second), each (..., H): first = x[..., :H],
    second = x[..., H:], both views of x. Raises ValueError if the last dimension is odd.
    """
    if x.shape[-1] % 2:
        raise ValueError(f"the last dimension must be even, got {x.shape[-1]}")
    first, second = torch.chunk(x, 2, dim=-1)  # each (..., H)
    return first, second


def crop_time(x: Tensor, start: int, length: int) -> Tensor:
    """Steps start .. start + length - 1 of a (B, T, D) sequence batch: (B, length, D).

    Returns a view of x (no copy). Raises ValueError unless 0 <= start, 0 <= length and
    start + length <= T (slicing would silently return fewer steps).
    """
    t = x.shape[1]
    if start < 0 or length < 0 or start + length > t:
        raise ValueError(f"cannot take {length} steps from {start} in a sequence of {t}")
    return x.narrow(1, start, length)  # (B, length, D)


def pick(logits: Tensor, targets: Tensor) -> Tensor:
    """The logit of each position's target class: out[b, t] = logits[b, t, targets[b, t]].

    logits: (B, T, C) float, targets: (B, T) int64 in [0, C). Returns (B, T), logits'
    dtype and device. B, T or C may be 1. Neither input is changed.
    """
    index = targets.unsqueeze(-1)  # (B, T, 1)
    return logits.gather(-1, index).squeeze(-1)  # (B, T)


def one_hot(labels: Tensor, num_classes: int, dtype: torch.dtype = torch.float32) -> Tensor:
    """One-hot rows for integer labels, built with scatter_ (not F.one_hot).

    labels: (N,) int64 on any device. Returns (N, num_classes) of the given dtype on
    labels' device, with out[i, labels[i]] = 1 and zeros elsewhere. Raises ValueError if a
    label is outside [0, num_classes) (scatter_ itself may fail obscurely on a GPU).
    """
    if labels.numel() and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"labels must lie in [0, {num_classes})")
    out = torch.zeros(labels.shape[0], num_classes, dtype=dtype, device=labels.device)
    return out.scatter_(1, labels.unsqueeze(1), 1)  # (N, num_classes)
