"""Kata 05: joining, splitting, gathering and scattering. See README.md in this folder."""

import torch
from torch import Tensor


def stack_samples(samples: list[Tensor]) -> Tensor:
    """Stack equally shaped samples into a batch along a new first dimension.

    samples: a non-empty list of B tensors, each (C, L), contiguous or not. Returns
    (B, C, L), a new tensor (a copy: writing to it does not change the samples; B = 1
    included). One joining call for the whole list, not one per sample. The samples and the
    list are not changed. Raises ValueError for an empty list.
    """
    if not samples:
        raise ValueError("stack_samples needs at least one sample")
    return torch.stack(samples, dim=0)  # (B, C, L)


def concat_batches(batches: list[Tensor]) -> Tensor:
    """Join batches of different sizes into one batch along the existing first dimension.

    batches: a non-empty list of tensors (B_i, ...) whose trailing dimensions agree; a B_i
    may be 0. Returns (sum of B_i, ...), a new tensor (a copy, also for a single batch).
    torch.cat is called exactly once, however many batches: joining in a loop
    (out = torch.cat([out, b])) copies everything joined so far at every step, quadratic
    work. The batches are not changed. Raises ValueError for an empty list.
    """
    if not batches:
        raise ValueError("concat_batches needs at least one batch")
    return torch.cat(batches, dim=0)  # (sum B_i, ...)


def split_by_sizes(x: Tensor, sizes: list[int]) -> tuple[Tensor, ...]:
    """x cut along dim 0 into consecutive pieces of the given sizes, as views.

    x: (N, ...), contiguous or not; sizes: non-negative ints summing to N (a size may be
    0). Returns a tuple (not a list) of len(sizes) tensors, piece k of shape
    (sizes[k], ...), each a view sharing x's storage (no copy). Raises ValueError if the
    sizes do not sum to N.
    """
    if sum(sizes) != x.shape[0]:
        raise ValueError(f"sizes {sizes} sum to {sum(sizes)}, but x has {x.shape[0]} rows")
    return torch.split(x, sizes, dim=0)


def halves(x: Tensor) -> tuple[Tensor, Tensor]:
    """The two halves of x's last dimension (as a GLU layer splits its input), as views.

    x: (..., 2H), contiguous or not. Returns (first, second), each (..., H):
    first = x[..., :H], second = x[..., H:], both views of x. Raises ValueError if the
    last dimension is odd.
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

    labels: (N,) int64 on any device, N may be 0; labels is not changed. Returns
    (N, num_classes) of the given dtype on labels' device, with out[i, labels[i]] = 1 and
    zeros elsewhere. Raises ValueError if a label is outside [0, num_classes) (scatter_
    itself may fail obscurely on a GPU).
    """
    if labels.numel() and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"labels must lie in [0, {num_classes})")
    out = torch.zeros(labels.shape[0], num_classes, dtype=dtype, device=labels.device)
    return out.scatter_(1, labels.unsqueeze(1), 1)  # (N, num_classes)


def zero_column_(t: Tensor, j: int) -> Tensor:
    """Write zeros into column j of a 2-D tensor in place, and return t itself.

    t: (N, M), any dtype, contiguous or not (a transposed tensor too). Afterwards
    t[:, j] is all zeros and every other element is as before; every view made from t
    earlier shows the zeros, since a write through basic indexing (t[:, j] = ...) goes to
    t's storage. Returns the same tensor object t, not a new tensor. Raises ValueError
    unless 0 <= j < M (a negative j would silently count from the end).
    """
    m = t.shape[1]
    if not 0 <= j < m:
        raise ValueError(f"column {j} is out of range for a tensor with {m} columns")
    t[:, j] = 0  # basic indexing: a view of column j, written in place
    return t


def take_rows(t: Tensor, idx: Tensor) -> Tensor:
    """The rows of t that idx selects, as a new tensor (a copy, never a view).

    t: (N, ...), contiguous or not. idx: either a 1-D int64 tensor of row numbers in
    [0, N) (any order, repeats allowed, possibly empty), giving (len(idx), ...) equal to
    t.index_select(0, idx); or a 1-D bool mask of length N, giving (mask.sum(), ...) equal
    to t[mask], the rows where the mask is True, in order. Advanced indexing copies: the
    result has its own storage, so writing to it leaves t unchanged, even when every row
    is taken. Neither t nor idx is changed.
    """
    return t[idx]  # a tensor index is advanced indexing: always a copy, (K, ...)
