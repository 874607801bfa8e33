"""Mistake: quantize divides x by scale in x's own dtype (bfloat16, float16).

A 0-d float32 scale does not promote a bfloat16 tensor: x / scale is rounded to 8 bits of
mantissa before torch.round, so values like 100.6 become 100.5 and round the wrong way.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "compute in float32"
REJECTED_BY = "test_quantize_computes_in_float32_and_leaves_inputs_untouched"

solution = solution_for(__file__)


def quantize(x, scale, zero_point, axis=None):
    scale = solution._along(scale, axis, x.dim())
    zero_point = solution._along(zero_point, axis, x.dim())
    q = torch.round(x / scale) + zero_point
    return torch.clamp(q, -128, 127).to(torch.int8)
