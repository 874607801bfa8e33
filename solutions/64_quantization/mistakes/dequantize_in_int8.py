"""Mistake: dequantize subtracts the zero point before converting q to float.

q is int8 and a 0-d zero point does not promote it, so q - zero_point is computed in int8:
127 - (-128) = 255 wraps around to -1.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "overflowed int8"
REJECTED_BY = "test_dequantize_does_not_overflow_int8"

solution = solution_for(__file__)


def dequantize(q, scale, zero_point, axis=None):
    scale = solution._along(scale, axis, q.dim())
    zero_point = solution._along(zero_point, axis, q.dim())
    return (q - zero_point).float() * scale
