"""Mistake: resetting the peak after fn instead of before.

The reset sets the peak to the current allocation, so the number read is what fn left
behind, not its high point.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "the peak reset after fn ran"
REJECTED_BY = "test_peak_memory_measures_the_extra_memory_at_the_high_point"

solution = solution_for(__file__)


def peak_memory(fn, *args, cuda=None):
    before = solution.memory_report(cuda.memory_stats())["allocated"]
    result = fn(*args)
    cuda.reset_peak_memory_stats()
    return result, solution.memory_report(cuda.memory_stats())["peak_allocated"] - before
