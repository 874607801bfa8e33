"""Mistake: converting to int8 first and clamping afterwards.

The conversion wraps values out of range around (200 becomes -56) before the clamp can
saturate them; the clamp afterwards does nothing.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "wrapped around"
REJECTED_BY = "test_per_tensor_quantize_matches_the_formula_and_torch"

solution = solution_for(__file__)


def quantize(x, scale, zero_point, axis=None):
    scale = solution._along(scale, axis, x.dim())
    zero_point = solution._along(zero_point, axis, x.dim())
    q = (torch.round(x.float() / scale) + zero_point).to(torch.int8)
    return torch.clamp(q, -128, 127)
