"""Mistake: passing kernel_size, padding and stride to F.unfold, but not dilation.

unfold then gathers contiguous patches; with dilation > 1 the patch count no longer
matches the output size (a RuntimeError on view) or the taps are the wrong pixels.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "the dilation too"
REJECTED_BY = "test_forward_equals_f_conv2d"
_pair = solution_for(__file__)._pair


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    stride, padding, dilation = _pair(stride), _pair(padding), _pair(dilation)
    n, _, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    h_out = (h + 2 * padding[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    w_out = (w + 2 * padding[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    cols = F.unfold(x, (kh, kw), padding=padding, stride=stride)
    out = weight.reshape(c_out, -1) @ cols
    if bias is not None:
        out = out + bias[:, None]
    return out.view(n, c_out, h_out, w_out)
