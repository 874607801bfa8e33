"""Mistake: per-channel scales and zero points used as they are, shape (C,), whatever the axis.

A (C,) tensor broadcasts along the LAST dimension: for axis 0 of a square tensor the
scales silently apply to columns instead of rows (other shapes fail to broadcast).
"""

import torch

CAUGHT_BY = "broadcasts along the LAST"
REJECTED_BY = "test_per_channel_quantize_matches_the_formula_and_torch"


def quantize(x, scale, zero_point, axis=None):
    q = torch.round(x.float() / scale) + zero_point
    return torch.clamp(q, -128, 127).to(torch.int8)


def dequantize(q, scale, zero_point, axis=None):
    return (q.float() - zero_point.float()) * scale
