"""Kata 05: joining, splitting, gathering and scattering. See README.md in this folder."""

import torch
from torch import Tensor


def stack_samples(samples: list[Tensor]) -> Tensor:
    """Stack equally shaped samples into a batch along a new first dimension.

    samples: a non-empty list of B tensors, each (C, L). Returns (B, C, L), a new tensor
    (a copy: writing to it does not change the samples). Raises ValueError for an empty list.
    """
    # TODO: torch.stack adds a dimension; torch.cat does not
    raise NotImplementedError("TODO: stack_samples(samples)")


def concat_batches(batches: list[Tensor]) -> Tensor:
    """Join batches of different sizes into one batch along the existing first dimension.

    batches: a non-empty list of tensors (B_i, ...) whose trailing dimensions agree.
    Returns (sum of B_i, ...), a new tensor (a copy). Raises ValueError for an empty list.
    """
    # TODO: torch.cat joins along an existing dimension
    raise NotImplementedError("TODO: concat_batches(batches)")


def split_by_sizes(x: Tensor, sizes: list[int]) -> tuple[Tensor, ...]:
    """x cut along dim 0 into consecutive pieces of the given sizes, as views.

    x: (N, ...), sizes: non-negative ints summing to N. Returns a tuple of len(sizes)
    tensors, piece k of shape (sizes[k], ...), each a view sharing x's storage (no copy).
    Raises ValueError if the sizes do not sum to N.
    """
    # TODO: torch.split with a list of sizes returns views
    raise NotImplementedError("TODO: split_by_sizes(x, sizes)")


def halves(x: Tensor) -> tuple[Tensor, Tensor]:
    """The two halves of x's last dimension (as a GLU layer splits its input), as views.

    x: (..., 2H). Returns (first, second), each (..., H): first = x[..., :H],
    second = x[..., H:], both views of x. Raises ValueError if the last dimension is odd.
    """
    # TODO: torch.chunk into 2 along the last dimension
    raise NotImplementedError("TODO: halves(x)")


def crop_time(x: Tensor, start: int, length: int) -> Tensor:
    """Steps start .. start + length - 1 of a (B, T, D) sequence batch: (B, length, D).

    Returns a view of x (no copy). Raises ValueError unless 0 <= start, 0 <= length and
    start + length <= T (slicing would silently return fewer steps).
    """
    # TODO: torch.narrow(x, dim, start, length) is a view
    raise NotImplementedError("TODO: crop_time(x, start, length)")


def pick(logits: Tensor, targets: Tensor) -> Tensor:
    """The logit of each position's target class: out[b, t] = logits[b, t, targets[b, t]].

    logits: (B, T, C) float, targets: (B, T) int64 in [0, C). Returns (B, T), logits'
    dtype and device. B, T or C may be 1. Neither input is changed.
    """
    # TODO: gather along the class dimension needs an index with the same number of dims
    raise NotImplementedError("TODO: pick(logits, targets)")


def one_hot(labels: Tensor, num_classes: int, dtype: torch.dtype = torch.float32) -> Tensor:
    """One-hot rows for integer labels, built with scatter_ (not F.one_hot).

    labels: (N,) int64 on any device. Returns (N, num_classes) of the given dtype on
    labels' device, with out[i, labels[i]] = 1 and zeros elsewhere. Raises ValueError if a
    label is outside [0, num_classes) (scatter_ itself may fail obscurely on a GPU).
    """
    # TODO: zeros of the right shape, then scatter_ ones along dim 1 at labels[:, None]
    raise NotImplementedError("TODO: one_hot(labels, num_classes, dtype)")
