"""Mistake: Xavier uniform with bound sqrt(2 / (fan_in + fan_out)), the normal version's std.

U(-a, a) has variance a**2 / 3, so the bound needs the 6: this variance is three times too
small.
"""

import math

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "not the normal std"
REJECTED_BY = "test_xavier_uniform_variance_and_bounds"


def xavier_uniform_(weight, gain=1.0):
    fan_in, fan_out = solution.fan_in_and_fan_out(weight)
    bound = gain * math.sqrt(2.0 / (fan_in + fan_out))
    with torch.no_grad():
        weight.uniform_(-bound, bound)
    return weight
