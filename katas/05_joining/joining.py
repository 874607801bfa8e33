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
    # TODO: torch.stack adds a dimension; torch.cat does not
    raise NotImplementedError("TODO: stack_samples(samples)")


def concat_batches(batches: list[Tensor]) -> Tensor:
    """Join batches of different sizes into one batch along the existing first dimension.

    batches: a non-empty list of tensors (B_i, ...) whose trailing dimensions agree; a B_i
    may be 0. Returns (sum of B_i, ...), a new tensor (a copy, also for a single batch).
    torch.cat is called exactly once, however many batches: joining in a loop
    (out = torch.cat([out, b])) copies everything joined so far at every step, quadratic
    work. The batches are not changed. Raises ValueError for an empty list.
    """
    # TODO: torch.cat joins along an existing dimension
    raise NotImplementedError("TODO: concat_batches(batches)")


def split_by_sizes(x: Tensor, sizes: list[int]) -> tuple[Tensor, ...]:
    """x cut along dim 0 into consecutive pieces of the given sizes, as views.

    x: (N, ...), contiguous or not; sizes: non-negative ints summing to N (a size may be
    0). Returns a tuple (not a list) of len(sizes) tensors, piece k of shape
    (sizes[k], ...), each a view sharing x's storage (no copy). Raises ValueError if the
    sizes do not sum to N.
    """
    # TODO: torch.split with a list of sizes returns views
    raise NotImplementedError("TODO: split_by_sizes(x, sizes)")


def halves(x: Tensor) -> tuple[Tensor, Tensor]:
    """The two halves of x's last dimension (as a GLU layer splits its input), as views.

    x: (..., 2H), contiguous or not. Returns (first, second), each (..., H):
    first = x[..., :H], second = x[..., H:], both views of x. Raises ValueError if the
    last dimension is odd.
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

    labels: (N,) int64 on any device, N may be 0; labels is not changed. Returns
    (N, num_classes) of the given dtype on labels' device, with out[i, labels[i]] = 1 and
    zeros elsewhere. Raises ValueError if a label is outside [0, num_classes) (scatter_
    itself may fail obscurely on a GPU).
    """
    # TODO: zeros of the right shape, then scatter_ ones along dim 1 at labels[:, None]
    raise NotImplementedError("TODO: one_hot(labels, num_classes, dtype)")


def zero_column_(t: Tensor, j: int) -> Tensor:
    """Write zeros into column j of a 2-D tensor in place, and return t itself.

    t: (N, M), any dtype, contiguous or not (a transposed tensor too). Afterwards
    t[:, j] is all zeros and every other element is as before; every view made from t
    earlier shows the zeros, since a write through basic indexing (t[:, j] = ...) goes to
    t's storage. Returns the same tensor object t, not a new tensor. Raises ValueError
    unless 0 <= j < M (a negative j would silently count from the end).
    """
    # TODO: assign through a basic index, t[:, j] = 0: no new tensor, no copy of t
    raise NotImplementedError("TODO: zero_column_(t, j)")


def take_rows(t: Tensor, idx: Tensor) -> Tensor:
    """The rows of t that idx selects, as a new tensor (a copy, never a view).

    t: (N, ...), contiguous or not. idx: either a 1-D int64 tensor of row numbers in
    [0, N) (any order, repeats allowed, possibly empty), giving (len(idx), ...) equal to
    t.index_select(0, idx); or a 1-D bool mask of length N, giving (mask.sum(), ...) equal
    to t[mask], the rows where the mask is True, in order. Advanced indexing copies: the
    result has its own storage, so writing to it leaves t unchanged, even when every row
    is taken. Neither t nor idx is changed.
    """
    # TODO: t[idx] with a tensor index is advanced indexing: it works for both kinds of idx
    raise NotImplementedError("TODO: take_rows(t, idx)")
