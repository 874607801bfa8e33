"""Mistake: folding channels into the batch with x.view(N * C, 1, H, W) before unfolding.

A neat way around unfold's channel-major rows, but view needs a contiguous x: a
transposed or channel-sliced input (common after a permute) raises a RuntimeError.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "use .reshape()"
REJECTED_BY = "test_max_pool_non_contiguous_input_left_untouched"
solution = solution_for(__file__)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    kernel = solution._pair(kernel_size)
    stride = kernel if stride is None else solution._pair(stride)
    pad, dil = solution._pair(padding), solution._pair(dilation)
    if any(p > k // 2 for k, p in zip(kernel, pad, strict=True)):
        raise ValueError("padding over half the kernel")
    n, c, h, w = x.shape
    h_out, w_out = (
        (size + 2 * p - d * (k - 1) - 1) // s + 1
        for size, k, s, p, d in zip((h, w), kernel, stride, pad, dil, strict=True)
    )
    flat = x.view(n * c, 1, h, w)  # one channel per image: no channel-major split needed
    padded = F.pad(flat, (pad[1], pad[1], pad[0], pad[0]), value=float("-inf"))
    cols = F.unfold(padded, kernel, dilation=dil, stride=stride)  # (N*C, kH*kW, L)
    return cols.max(dim=1).values.view(n, c, h_out, w_out)
