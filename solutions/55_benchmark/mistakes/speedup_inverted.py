"""Mistake: candidate / baseline.

The docstring's speed-up is above 1 when the candidate is faster; this one is below.
"""

CAUGHT_BY = "inverted"
REJECTED_BY = "test_speedup_is_the_ratio_of_the_medians"


def speedup(baseline, candidate):
    if baseline.task_spec.num_threads != candidate.task_spec.num_threads:
        raise ValueError("different thread counts")
    return float(candidate.median / baseline.median)
