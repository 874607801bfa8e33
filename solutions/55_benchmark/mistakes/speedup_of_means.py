"""Mistake: the speed-up as the ratio of the means.

A few stalled blocks on a busy machine pull the mean far off; the median hardly moves.
"""

CAUGHT_BY = "ratio of the means"
REJECTED_BY = "test_speedup_is_the_ratio_of_the_medians"


def speedup(baseline, candidate):
    if baseline.task_spec.num_threads != candidate.task_spec.num_threads:
        raise ValueError("different thread counts")
    return float(baseline.mean / candidate.mean)
