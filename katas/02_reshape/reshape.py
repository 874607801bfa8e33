"""Kata 02: views, copies and reshaping. See README.md in this folder."""

from torch import Tensor


def can_view(t: Tensor, shape: tuple[int, ...]) -> bool:
    """Whether t.view(shape) works, i.e. shape can be served from t's memory without a copy.

    shape may contain one -1 (inferred, as in view). Raises ValueError if shape cannot hold
    t's elements at all (the element counts differ), whatever t's strides. t is not changed.
    A contiguous t can always be viewed; a non-contiguous one sometimes can (a transposed
    matrix viewed as its own shape, or with one dimension split in two).
    """
    # TODO: check the element count first (ValueError), then try t.view and catch its error
    raise NotImplementedError("TODO: can_view(t, shape)")


def view_or_copy(t: Tensor, shape: tuple[int, ...]) -> tuple[Tensor, bool]:
    """t in the given shape, as a view when one is possible, else as a contiguous copy.

    Returns (result, is_view): result shares t's storage exactly when is_view is True, and
    holds t's elements in row-major order (what t.reshape(shape) gives). Never copies when
    a view is possible. Raises ValueError as can_view() does. t is not changed.
    """
    # TODO: view when can_view says so; otherwise .contiguous() (a copy) and then view
    raise NotImplementedError("TODO: view_or_copy(t, shape)")


def to_nhwc(x: Tensor) -> Tensor:
    """An image batch x of shape (N, C, H, W) as (N, H, W, C): out[n, h, w, c] = x[n, c, h, w].

    Returns a view (no copy: it shares x's storage), so it is usually not contiguous.
    """
    # TODO: permute reorders dimensions; view/reshape only regroup memory
    raise NotImplementedError("TODO: to_nhwc(x)")


def flatten_nhwc(x: Tensor) -> Tensor:
    """x of shape (N, C, H, W) flattened per sample in (H, W, C) order: shape (N, H*W*C).

    out[n] lists pixel (0, 0)'s C channels, then pixel (0, 1)'s, and so on. Works for any
    x, contiguous or not (channels_last, transposed, sliced). x is not changed.
    """
    # TODO: to_nhwc, then a reshape that copies because view cannot serve a permuted tensor
    raise NotImplementedError("TODO: flatten_nhwc(x)")


def grow_rows(x: Tensor, n: int) -> Tensor:
    """x of shape (R, C) with n rows of zeros appended: shape (R + n, C).

    Uses resize_ on a private copy, correctly: x may be non-contiguous (a transposed view) or
    require grad. The result is contiguous, detached (no graph), does not share x's storage,
    and its new rows are exactly zero. x is not changed (shape, values, flags).
    """
    # TODO: detach, clone into contiguous memory, resize_ that copy, then zero the new rows
    raise NotImplementedError("TODO: grow_rows(x, n)")
