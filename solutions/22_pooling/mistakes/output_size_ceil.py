"""Mistake: the output size rounded up, as with ceil_mode=True.

The default (ceil_mode=False) floors: a last, partial window is dropped. Rounding up asks
for more windows than F.unfold makes, and the view fails.
"""

import math

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "(floor)"
REJECTED_BY = "test_max_pool_equals_torch"
solution = solution_for(__file__)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    kernel = solution._pair(kernel_size)
    stride = kernel if stride is None else solution._pair(stride)
    pad, dil = solution._pair(padding), solution._pair(dilation)
    if any(p > k // 2 for k, p in zip(kernel, pad, strict=True)):
        raise ValueError("padding over half the kernel")
    n, c, h, w = x.shape
    h_out, w_out = (
        math.ceil((size + 2 * p - d * (k - 1) - 1) / s) + 1
        for size, k, s, p, d in zip((h, w), kernel, stride, pad, dil, strict=True)
    )
    padded = F.pad(x, (pad[1], pad[1], pad[0], pad[0]), value=float("-inf"))
    cols = F.unfold(padded, kernel, dilation=dil, stride=stride)
    return cols.view(n, c, kernel[0] * kernel[1], h_out, w_out).max(dim=2).values
