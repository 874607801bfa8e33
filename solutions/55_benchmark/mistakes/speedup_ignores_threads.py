"""Mistake: comparing measurements taken with different numbers of threads.

The ratio then reflects the thread settings as much as the code.
"""

CAUGHT_BY = "no check of task_spec.num_threads"
REJECTED_BY = "test_speedup_refuses_different_thread_counts"


def speedup(baseline, candidate):
    return float(baseline.median / candidate.median)
