"""Mistake: flattening the weight with weight.view(C_out, -1) instead of reshape.

view needs a contiguous tensor: a transposed or sliced weight (a weight shared with
another layer, a weight permuted from another layout) raises a RuntimeError.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "use .reshape()"
REJECTED_BY = "test_non_contiguous_weight_bias_and_sliced_input"
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
    if h_out < 1 or w_out < 1:
        raise ValueError("empty output")
    cols = F.unfold(x, (kh, kw), dilation=dilation, padding=padding, stride=stride)
    out = weight.view(c_out, -1) @ cols
    if bias is not None:
        out = out + bias[:, None]
    return out.view(n, c_out, h_out, w_out)
