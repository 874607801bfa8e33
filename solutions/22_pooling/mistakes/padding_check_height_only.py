"""Mistake: checking the padding against the kernel in the height only.

With kernel (3, 2) and padding (0, 2) the width's padding is too large, and the too-large
padding makes border windows of padding alone: torch refuses it, this does not.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "for each of height and width"
REJECTED_BY = "test_max_pool_rejects_padding_over_half_the_kernel"
solution = solution_for(__file__)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    kernel = solution._pair(kernel_size)
    stride = kernel if stride is None else solution._pair(stride)
    pad, dil = solution._pair(padding), solution._pair(dilation)
    if pad[0] > kernel[0] // 2:
        raise ValueError("padding over half the kernel")
    n, c, h, w = x.shape
    h_out, w_out = (
        (size + 2 * p - d * (k - 1) - 1) // s + 1
        for size, k, s, p, d in zip((h, w), kernel, stride, pad, dil, strict=True)
    )
    padded = F.pad(x, (pad[1], pad[1], pad[0], pad[0]), value=float("-inf"))
    cols = F.unfold(padded, kernel, dilation=dil, stride=stride)
    return cols.view(n, c, kernel[0] * kernel[1], h_out, w_out).max(dim=2).values
