"""Mistake: a warm-up call of fn before the profiled one.

The docstring promises exactly one call: fn may be slow, or change state (a training step
would update the weights twice).
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "called fn 2 times"
REJECTED_BY = "test_find_bottleneck_names_the_planted_operator_and_region"

solution = solution_for(__file__)


def find_bottleneck(fn, *args):
    fn(*args)  # "warm-up"
    return solution.find_bottleneck(fn, *args)
