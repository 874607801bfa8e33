"""Mistake: the decay's progress not clamped at 1.

LambdaLR calls the function once more after the last step (and any later steps): past
total_steps - 1 the cosine climbs back up instead of staying at min_factor.
"""

import math

CAUGHT_BY = "not clamped"
REJECTED_BY = "test_warmup_cosine_hits_its_three_landmarks_exactly"


def warmup_cosine(warmup_steps, total_steps, min_factor=0.0):
    warmup = max(warmup_steps, 1)
    if warmup_steps < 0 or total_steps <= warmup or not 0 <= min_factor <= 1:
        raise ValueError("bad arguments")

    def factor(s):
        if s < warmup:
            return (s + 1) / warmup
        p = (s - warmup + 1) / (total_steps - warmup)
        return min_factor + (1 - min_factor) * (1 + math.cos(math.pi * p)) / 2

    return factor
