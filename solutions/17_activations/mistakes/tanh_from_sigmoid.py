"""Mistake: tanh(x) as 2 * sigmoid(2x) - 1, reusing the stable sigmoid.

An identity, and stable, but near 0 it subtracts 1 from a number close to 1: tanh(1e-8)
cancels to 0 and small inputs lose their relative precision.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "2 * sigmoid(2x) - 1"
REJECTED_BY = "test_tanh_keeps_relative_precision_near_zero"


def tanh(x):
    return 2 * solution_for(__file__).sigmoid(2 * x) - 1
