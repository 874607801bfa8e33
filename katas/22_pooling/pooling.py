"""Kata 22: max, average and sum pooling from scratch. See README.md in this folder."""

from torch import Tensor

IntPair = int | tuple[int, int]


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
    # TODO: pad with -inf (F.pad), cut windows with F.unfold, take the max of each window
    # (Tensor.max(dim) routes the gradient to one element; amax splits it among ties)
    raise NotImplementedError("TODO: max_pool2d(x, kernel_size, stride, padding, dilation)")


def avg_pool2d(
    x: Tensor, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0
) -> Tensor:
    """Average pooling like F.avg_pool2d with its defaults (count_include_pad=True).

    Same arguments as max_pool2d, without dilation (padding over half the kernel:
    ValueError). Zero padding counts in every window's average: each output is the window's
    sum divided by kH * kW. The caller's x is not modified.
    """
    # TODO: windows as for max_pool2d (zero padding), then the mean of each
    raise NotImplementedError("TODO: avg_pool2d(x, kernel_size, stride, padding)")


def sum_pool2d(
    x: Tensor, kernel_size: IntPair, stride: IntPair | None = None, padding: IntPair = 0
) -> Tensor:
    """Sum pooling: the sum of each window (zero padding adds nothing).

    Same arguments and errors as avg_pool2d; equals avg_pool2d(...) * kH * kW. The caller's
    x is not modified.
    """
    # TODO: the sum of each window
    raise NotImplementedError("TODO: sum_pool2d(x, kernel_size, stride, padding)")
