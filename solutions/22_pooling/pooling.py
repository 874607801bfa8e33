"""Kata 22: max, average and sum pooling from scratch. See README.md in this folder."""

import torch.nn.functional as F
from torch import Tensor

IntPair = int | tuple[int, int]


def _pair(value: IntPair) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _windows(
    x: Tensor,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    padding: tuple[int, int],
    dilation: tuple[int, int],
    fill: float,
) -> Tensor:
    """Every pooling window of x as (N, C, kH * kW, H_out, W_out), padded with `fill`."""
    n, c, h, w = x.shape
    for k, p in zip(kernel, padding, strict=True):
        if p > k // 2:
            raise ValueError(f"padding {padding} must be at most half the kernel {kernel}")
    h_out, w_out = (
        (size + 2 * p - d * (k - 1) - 1) // s + 1
        for size, k, s, p, d in zip((h, w), kernel, stride, padding, dilation, strict=True)
    )
    if h_out < 1 or w_out < 1:
        raise ValueError(f"output would be empty: {h_out} x {w_out}")
    ph, pw = padding
    padded = F.pad(x, (pw, pw, ph, ph), value=fill)  # unfold's own padding is always 0
    cols = F.unfold(padded, kernel, dilation=dilation, stride=stride)  # (N, C*kH*kW, L)
    # unfold's rows are channel-major: (C, kH * kW) splits them without mixing channels
    return cols.view(n, c, kernel[0] * kernel[1], h_out, w_out)


def max_pool2d(
    x: Tensor,
    kernel_size: IntPair,
    stride: IntPair | None = None,
    padding: IntPair = 0,
    dilation: IntPair = 1,
) -> Tensor:
    """Max pooling like F.max_pool2d (ceil_mode=False), forward and backward.

    x: (N, C, H, W) floating point. kernel_size, stride, padding, dilation: an int or an
    (h, w) pair; stride None means kernel_size. Padding (at most half the kernel, else
    ValueError) never wins a max: a window of negative numbers at the border keeps its
    max. Returns (N, C, H_out, W_out). The gradient of each output goes to one element of
    its window, the first maximum on ties, as F.max_pool2d's does. The caller's x is not
    modified. Do not call torch's pooling functions or layers.
    """
    kernel = _pair(kernel_size)
    stride = kernel if stride is None else _pair(stride)
    windows = _windows(x, kernel, stride, _pair(padding), _pair(dilation), float("-inf"))
    # max(dim), not amax: its gradient goes to one element, the first maximum of the window
    # (as F.max_pool2d's); amax would split it evenly among tied maxima (ReLU zeros tie often)
    return windows.max(dim=2).values


def avg_pool2d(
    x: Tensor, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0
) -> Tensor:
    """Average pooling like F.avg_pool2d with its defaults (count_include_pad=True).

    Same arguments as max_pool2d, without dilation (padding over half the kernel:
    ValueError). Zero padding counts in every window's average: each output is the window's
    sum divided by kH * kW. The caller's x is not modified.
    """
    kernel = _pair(kernel_size)
    stride = kernel if stride is None else _pair(stride)
    return _windows(x, kernel, stride, _pair(padding), (1, 1), 0.0).mean(dim=2)


def sum_pool2d(
    x: Tensor, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0
) -> Tensor:
    """Sum pooling: the sum of each window (zero padding adds nothing).

    Same arguments and errors as avg_pool2d; equals avg_pool2d(...) * kH * kW. The caller's
    x is not modified.
    """
    kernel = _pair(kernel_size)
    stride = kernel if stride is None else _pair(stride)
    return _windows(x, kernel, stride, _pair(padding), (1, 1), 0.0).sum(dim=2)
