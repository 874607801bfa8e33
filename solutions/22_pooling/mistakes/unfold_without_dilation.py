"""Mistake: max_pool2d passes kernel and stride to F.unfold, but not dilation.

The output size is computed for the dilated kernel while unfold cuts contiguous windows:
the view of its columns does not fit (or, where it happens to fit, the windows are wrong).
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "must get the dilation too"
REJECTED_BY = "test_max_pool_equals_torch"
solution = solution_for(__file__)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    kernel = solution._pair(kernel_size)
    stride = kernel if stride is None else solution._pair(stride)
    pad, dil = solution._pair(padding), solution._pair(dilation)
    for k, p in zip(kernel, pad, strict=True):
        if p > k // 2:
            raise ValueError("padding over half the kernel")
    n, c, h, w = x.shape
    h_out, w_out = (
        (size + 2 * p - d * (k - 1) - 1) // s + 1
        for size, k, s, p, d in zip((h, w), kernel, stride, pad, dil, strict=True)
    )
    padded = F.pad(x, (pad[1], pad[1], pad[0], pad[0]), value=float("-inf"))
    cols = F.unfold(padded, kernel, stride=stride)
    return cols.view(n, c, kernel[0] * kernel[1], h_out, w_out).max(dim=2).values
