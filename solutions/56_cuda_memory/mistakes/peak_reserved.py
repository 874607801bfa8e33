"""Mistake: the peak of reserved memory instead of allocated memory.

Reserved memory grows in whole segments and keeps the cache: it says what the allocator
held, not what fn's tensors needed.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "the reserved peak"
REJECTED_BY = "test_peak_memory_measures_the_extra_memory_at_the_high_point"

solution = solution_for(__file__)


def peak_memory(fn, *args, cuda=None):
    cuda.reset_peak_memory_stats()
    before = solution.memory_report(cuda.memory_stats())["allocated"]
    result = fn(*args)
    return result, solution.memory_report(cuda.memory_stats())["peak_reserved"] - before
