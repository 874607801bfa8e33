"""Mistake: the decay's progress as (s - warmup_steps) / (total_steps - warmup_steps).

The first decay step then repeats the peak, and the last step, total_steps - 1, stops one
step short of min_factor.
"""

import math

CAUGHT_BY = "exactly at the last step"
REJECTED_BY = "test_warmup_cosine_hits_its_three_landmarks_exactly"


def warmup_cosine(warmup_steps, total_steps, min_factor=0.0):
    warmup = max(warmup_steps, 1)
    if warmup_steps < 0 or total_steps <= warmup or not 0 <= min_factor <= 1:
        raise ValueError("bad arguments")

    def factor(s):
        if s < warmup:
            return (s + 1) / warmup
        p = min((s - warmup) / (total_steps - warmup), 1.0)
        return min_factor + (1 - min_factor) * (1 + math.cos(math.pi * p)) / 2

    return factor
