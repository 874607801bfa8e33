"""Mistake: reading the peak without reset_peak_memory_stats() first.

Peaks only grow: without a reset the number is the largest allocation since the program
started, perhaps of another workload entirely.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "no reset_peak_memory_stats() before fn"
REJECTED_BY = "test_peak_memory_measures_the_extra_memory_at_the_high_point"

solution = solution_for(__file__)


def peak_memory(fn, *args, cuda=None):
    before = solution.memory_report(cuda.memory_stats())["allocated"]
    result = fn(*args)
    return result, solution.memory_report(cuda.memory_stats())["peak_allocated"] - before
