"""Mistake: quantize converts x / scale + zero_point to int8 without rounding.

The conversion truncates toward zero: errors reach a whole step instead of half a step,
and they are biased toward zero.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "truncating"
REJECTED_BY = "test_round_trip_error_is_at_most_half_a_step"

solution = solution_for(__file__)


def quantize(x, scale, zero_point, axis=None):
    scale = solution._along(scale, axis, x.dim())
    zero_point = solution._along(zero_point, axis, x.dim())
    return torch.clamp(x.float() / scale + zero_point, -128, 127).to(torch.int8)
