"""Mistake: returning the peak itself.

The peak includes everything that was allocated before fn ran (the model, the optimizer
state); the question is how much more fn needs.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "not minus the allocation before fn"
REJECTED_BY = "test_peak_memory_measures_the_extra_memory_at_the_high_point"

solution = solution_for(__file__)


def peak_memory(fn, *args, cuda=None):
    cuda.reset_peak_memory_stats()
    result = fn(*args)
    return result, solution.memory_report(cuda.memory_stats())["peak_allocated"]
