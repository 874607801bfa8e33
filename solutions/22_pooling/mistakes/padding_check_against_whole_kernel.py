"""Mistake: the padding check is p > k (padding up to the whole kernel), not p > k // 2.

Padding of more than half the kernel makes border windows that hold mostly padding
(for max pooling, a window of -inf only); torch refuses it with an error, this does not.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "padding over half the kernel"
REJECTED_BY = "test_max_pool_rejects_padding_over_half_the_kernel"
solution = solution_for(__file__)


def _windows(x, kernel, stride, padding, dilation, fill):
    n, c, h, w = x.shape
    for k, p in zip(kernel, padding, strict=True):
        if p > k:
            raise ValueError(f"padding {padding} must be at most the kernel {kernel}")
    h_out, w_out = (
        (size + 2 * p - d * (k - 1) - 1) // s + 1
        for size, k, s, p, d in zip((h, w), kernel, stride, padding, dilation, strict=True)
    )
    if h_out < 1 or w_out < 1:
        raise ValueError(f"output would be empty: {h_out} x {w_out}")
    ph, pw = padding
    padded = F.pad(x, (pw, pw, ph, ph), value=fill)
    cols = F.unfold(padded, kernel, dilation=dilation, stride=stride)
    return cols.view(n, c, kernel[0] * kernel[1], h_out, w_out)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    kernel = solution._pair(kernel_size)
    stride = kernel if stride is None else solution._pair(stride)
    windows = _windows(
        x, kernel, stride, solution._pair(padding), solution._pair(dilation), float("-inf")
    )
    return windows.max(dim=2).values


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    kernel = solution._pair(kernel_size)
    stride = kernel if stride is None else solution._pair(stride)
    return _windows(x, kernel, stride, solution._pair(padding), (1, 1), 0.0).mean(dim=2)


def sum_pool2d(x, kernel_size, stride=None, padding=0):
    kernel = solution._pair(kernel_size)
    stride = kernel if stride is None else solution._pair(stride)
    return _windows(x, kernel, stride, solution._pair(padding), (1, 1), 0.0).sum(dim=2)
