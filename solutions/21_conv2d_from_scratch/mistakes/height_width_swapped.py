"""Mistake: computing the output height from the width's settings and vice versa.

Square inputs and symmetric settings hide it; any non-square case breaks.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "height and width are not"
REJECTED_BY = "test_each_setting_on_its_own"
_pair = solution_for(__file__)._pair


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    stride, padding, dilation = _pair(stride), _pair(padding), _pair(dilation)
    n, _, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    w_out = (h + 2 * padding[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    h_out = (w + 2 * padding[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    cols = F.unfold(x, (kh, kw), dilation=dilation, padding=padding, stride=stride)
    out = weight.reshape(c_out, -1) @ cols
    if bias is not None:
        out = out + bias[:, None]
    return out.view(n, c_out, h_out, w_out)
