"""Mistake: avg_pool2d (and so sum_pool2d) without the padding check max_pool2d has.

Zero padding over half the kernel makes windows that are mostly (or only) padding;
F.avg_pool2d refuses it with an error, and so should this.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "does not check its padding"
REJECTED_BY = "test_avg_pool_rejects_padding_over_half_the_kernel"
solution = solution_for(__file__)


def _zero_windows(x, kernel_size, stride, padding):
    kernel = solution._pair(kernel_size)
    stride = kernel if stride is None else solution._pair(stride)
    ph, pw = solution._pair(padding)
    n, c, h, w = x.shape
    h_out = (h + 2 * ph - kernel[0]) // stride[0] + 1
    w_out = (w + 2 * pw - kernel[1]) // stride[1] + 1
    cols = F.unfold(F.pad(x, (pw, pw, ph, ph)), kernel, stride=stride)
    return cols.view(n, c, kernel[0] * kernel[1], h_out, w_out)


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    return _zero_windows(x, kernel_size, stride, padding).mean(dim=2)


def sum_pool2d(x, kernel_size, stride=None, padding=0):
    return _zero_windows(x, kernel_size, stride, padding).sum(dim=2)
