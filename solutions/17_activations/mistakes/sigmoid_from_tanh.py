"""Mistake: sigmoid(x) as 0.5 * (1 + tanh(x / 2)), reusing the stable tanh.

An identity, and finite everywhere, but for negative x it adds 1 to a number close to -1:
sigmoid(-30) cancels to 0 (float32) or keeps few digits, where torch gives 9.4e-14.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "0.5 * (1 + tanh(x / 2))"
REJECTED_BY = "test_sigmoid_keeps_relative_precision_in_its_tail"

solution = solution_for(__file__)


def sigmoid(x):
    return 0.5 * (1 + solution.tanh(x / 2))
