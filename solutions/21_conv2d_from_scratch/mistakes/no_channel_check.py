"""Mistake: no check that x and weight agree on C_in.

The matmul then fails with a RuntimeError about matrix shapes (or, when C_in * kH * kW
happens to match, silently convolves the wrong channels), not the promised ValueError.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "x.shape[1] == weight.shape[1]"
REJECTED_BY = "test_channel_mismatch_raises_value_error"
solution = solution_for(__file__)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    stride, padding, dilation = (solution._pair(v) for v in (stride, padding, dilation))
    n, _, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    h_out, w_out = (
        (size + 2 * p - d * (k - 1) - 1) // s + 1
        for size, k, s, p, d in zip((h, w), (kh, kw), stride, padding, dilation, strict=True)
    )
    if h_out < 1 or w_out < 1:
        raise ValueError("empty output")
    cols = F.unfold(x, (kh, kw), dilation=dilation, padding=padding, stride=stride)
    out = weight.reshape(c_out, -1) @ cols
    if bias is not None:
        out = out + bias[:, None]
    return out.view(n, c_out, h_out, w_out)
