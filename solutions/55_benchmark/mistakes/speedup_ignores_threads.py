"""Mistake: comparing measurements taken with different numbers of threads.

The ratio then reflects the thread settings as much as the code.
"""

CAUGHT_BY = "no check of task_spec.num_threads"


def speedup(baseline, candidate):
    return float(baseline.median / candidate.median)
