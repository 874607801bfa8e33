"""Mistake: max pooling through F.unfold(x, ..., padding=p), which pads with zeros.

For a border window of negative numbers the padding's 0 wins the max: the output is 0
and the gradient goes nowhere.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "padded with zeros"
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
    cols = F.unfold(x, kernel, dilation=dilation, padding=padding, stride=stride)
    return cols.view(n, c, -1, h_out, w_out).amax(dim=2)
