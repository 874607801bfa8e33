"""Mistake: the cosine part decays to 0, min_factor ignored.

The schedule must end at min_factor times the base rate, not at 0.
"""

import math

CAUGHT_BY = "reaches min_factor (not 0)"
REJECTED_BY = "test_warmup_cosine_hits_its_three_landmarks_exactly"


def warmup_cosine(warmup_steps, total_steps, min_factor=0.0):
    warmup = max(warmup_steps, 1)
    if warmup_steps < 0 or total_steps <= warmup or not 0 <= min_factor <= 1:
        raise ValueError("bad arguments")

    def factor(s):
        if s < warmup:
            return (s + 1) / warmup
        p = min((s - warmup + 1) / (total_steps - warmup), 1.0)
        return (1 + math.cos(math.pi * p)) / 2

    return factor
