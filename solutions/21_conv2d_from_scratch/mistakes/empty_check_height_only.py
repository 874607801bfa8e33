"""Mistake: the empty-output check tests H_out < 1 but not W_out.

A kernel wider than the padded input gives W_out = 0; F.unfold then raises a
RuntimeError instead of the ValueError the docstring promises.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "whose output would be empty"
REJECTED_BY = "test_empty_output_raises_value_error"


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    stride, padding, dilation = (solution._pair(v) for v in (stride, padding, dilation))
    n, c_in, h, w = x.shape
    c_out, c_in_w, kh, kw = weight.shape
    if c_in != c_in_w:
        raise ValueError(f"x has {c_in} channels but weight expects {c_in_w}")
    h_out, w_out = (
        (size + 2 * p - d * (k - 1) - 1) // s + 1
        for size, k, s, p, d in zip((h, w), (kh, kw), stride, padding, dilation, strict=True)
    )
    if h_out < 1:
        raise ValueError(f"output would be empty: {h_out} x {w_out}")
    cols = F.unfold(x, (kh, kw), dilation=dilation, padding=padding, stride=stride)
    out = weight.reshape(c_out, -1) @ cols
    if bias is not None:
        out = out + bias[:, None]
    return out.view(n, c_out, h_out, w_out)
