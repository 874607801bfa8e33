"""Mistake: computing cols.transpose(1, 2) @ W.T, (N, L, C_out), then viewing it as
(N, C_out, H_out, W_out) without moving the channel axis back.

The view reinterprets memory: positions and channels are scrambled (shapes still fit).
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "must be transposed first"
REJECTED_BY = "test_each_setting_on_its_own"
_pair = solution_for(__file__)._pair


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    stride, padding, dilation = _pair(stride), _pair(padding), _pair(dilation)
    n, _, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    h_out = (h + 2 * padding[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    w_out = (w + 2 * padding[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    cols = F.unfold(x, (kh, kw), dilation=dilation, padding=padding, stride=stride)
    out = cols.transpose(1, 2) @ weight.reshape(c_out, -1).T  # (N, L, C_out)
    if bias is not None:
        out = out + bias
    return out.reshape(n, c_out, h_out, w_out)
