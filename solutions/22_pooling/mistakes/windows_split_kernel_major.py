"""Mistake: splitting unfold's rows as (N, kH * kW, C, L) and reducing dim 1.

unfold's rows run over (C, kH, kW), channel-major: this split mixes pixels of different
channels into one window (right only when C = 1).
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "channel-major"
REJECTED_BY = "test_max_pool_equals_torch"
_pair = solution_for(__file__)._pair


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    kernel = _pair(kernel_size)
    stride = kernel if stride is None else _pair(stride)
    padding, dilation = _pair(padding), _pair(dilation)
    if any(p > k // 2 for k, p in zip(kernel, padding, strict=True)):
        raise ValueError("padding over half the kernel")
    n, c, h, w = x.shape
    h_out = (h + 2 * padding[0] - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    w_out = (w + 2 * padding[1] - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1
    padded = F.pad(x, (padding[1], padding[1], padding[0], padding[0]), value=float("-inf"))
    cols = F.unfold(padded, kernel, dilation=dilation, stride=stride)
    return cols.view(n, kernel[0] * kernel[1], c, h_out, w_out).amax(dim=1)
