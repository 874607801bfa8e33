"""Mistake: no check that the output has at least one pixel.

F.unfold then refuses with a RuntimeError (or a negative size reaches the view), not the
ValueError the docstring promises.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "H_out and W_out are at least 1"
REJECTED_BY = "test_empty_output_raises_value_error"
solution = solution_for(__file__)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    stride, padding, dilation = (solution._pair(v) for v in (stride, padding, dilation))
    n, c_in, h, w = x.shape
    c_out, c_in_w, kh, kw = weight.shape
    if c_in != c_in_w:
        raise ValueError("channel mismatch")
    h_out, w_out = (
        (size + 2 * p - d * (k - 1) - 1) // s + 1
        for size, k, s, p, d in zip((h, w), (kh, kw), stride, padding, dilation, strict=True)
    )
    cols = F.unfold(x, (kh, kw), dilation=dilation, padding=padding, stride=stride)
    out = weight.reshape(c_out, -1) @ cols
    if bias is not None:
        out = out + bias[:, None]
    return out.view(n, c_out, h_out, w_out)
