"""Mistake: rounding with floor(x / scale + 0.5) (round half up) instead of torch.round.

Ties then always go up, unlike torch's own quantizers (ties to even): results differ at
every exact half step, and the error is biased.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "ties must go to the even"
REJECTED_BY = "test_ties_round_to_even"

solution = solution_for(__file__)


def quantize(x, scale, zero_point, axis=None):
    scale = solution._along(scale, axis, x.dim())
    zero_point = solution._along(zero_point, axis, x.dim())
    q = torch.floor(x.float() / scale + 0.5) + zero_point
    return torch.clamp(q, -128, 127).to(torch.int8)
