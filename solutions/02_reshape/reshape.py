"""Kata 02: views, copies and reshaping. See README.md in this folder."""

import math

import torch
from torch import Tensor


def _target_numel(shape: tuple[int, ...], numel: int) -> int:
    # the element count `shape` asks for, with at most one -1 inferred from numel
    if shape.count(-1) > 1 or any(s < -1 for s in shape):
        raise ValueError(f"shape {shape} is invalid: at most one -1 and no other negatives")
    known = math.prod(s for s in shape if s != -1)
    if -1 in shape:
        if known == 0 or numel % known != 0:
            raise ValueError(f"shape {shape} cannot hold {numel} elements")
        return numel
    return known


def can_view(t: Tensor, shape: tuple[int, ...]) -> bool:
    """Whether t.view(shape) works, i.e. shape can be served from t's memory without a copy.

    shape may contain one -1 (inferred, as in view). Raises ValueError if shape cannot hold
    t's elements at all (the element counts differ), whatever t's strides. t is not changed.
    A contiguous t can always be viewed; a non-contiguous one sometimes can (a transposed
    matrix viewed as its own shape, or with one dimension split in two).
    """
    if _target_numel(tuple(shape), t.numel()) != t.numel():
        raise ValueError(f"shape {tuple(shape)} cannot hold the {t.numel()} elements of t")
    try:
        t.view(shape)
    except RuntimeError:  # "view size is not compatible with input tensor's size and stride"
        return False
    return True


def view_or_copy(t: Tensor, shape: tuple[int, ...]) -> tuple[Tensor, bool]:
    """t in the given shape, as a view when one is possible, else as a contiguous copy.

    Returns (result, is_view): result shares t's storage exactly when is_view is True, and
    holds t's elements in row-major order (what t.reshape(shape) gives). Never copies when
    a view is possible. Raises ValueError as can_view() does. t is not changed.
    """
    if can_view(t, shape):
        return t.view(shape), True
    return t.contiguous().view(shape), False  # the fallback: one copy into row-major order


def to_nhwc(x: Tensor) -> Tensor:
    """An image batch x of shape (N, C, H, W) as (N, H, W, C): out[n, h, w, c] = x[n, c, h, w].

    Returns a view (no copy: it shares x's storage), so it is usually not contiguous.
    """
    return x.permute(0, 2, 3, 1)  # (N, H, W, C), strides reordered, no copy


def flatten_nhwc(x: Tensor) -> Tensor:
    """x of shape (N, C, H, W) flattened per sample in (H, W, C) order: shape (N, H*W*C).

    out[n] lists pixel (0, 0)'s C channels, then pixel (0, 1)'s, and so on. Works for any
    x, contiguous or not (channels_last, transposed, sliced). x is not changed.
    """
    n = x.shape[0]
    return to_nhwc(x).reshape(n, -1)  # (N, H*W*C): a copy, the permuted view is not viewable


def grow_rows(x: Tensor, n: int) -> Tensor:
    """x of shape (R, C) with n rows of zeros appended: shape (R + n, C).

    Uses resize_ on a private copy, correctly: x may be non-contiguous (a transposed view) or
    require grad. The result is contiguous, detached (no graph), does not share x's storage,
    and its new rows are exactly zero. x is not changed (shape, values, flags).
    """
    rows = x.shape[0]
    # resize_ refuses tensors that require grad, and keeps the storage's memory order, so
    # work on a detached clone laid out row-major
    out = x.detach().clone(memory_format=torch.contiguous_format)
    out.resize_(rows + n, x.shape[1])
    out[rows:] = 0  # resize_ leaves the new memory uninitialised
    return out
