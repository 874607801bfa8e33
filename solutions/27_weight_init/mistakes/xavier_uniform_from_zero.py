"""Mistake: xavier_uniform_ fills weight with torch.rand_like(weight) * a, U(0, a).

torch.rand draws from [0, 1): the values are all positive, with a mean of a / 2 and a
quarter of the variance of U(-a, a).
"""

import math

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "U(0, a) instead of U(-a, a)"
REJECTED_BY = "test_xavier_uniform_variance_and_bounds"


def xavier_uniform_(weight, gain=1.0):
    fan_in, fan_out = solution.fan_in_and_fan_out(weight)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    with torch.no_grad():
        weight.copy_(torch.rand_like(weight) * bound)
    return weight
