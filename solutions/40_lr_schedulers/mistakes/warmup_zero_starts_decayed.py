"""Mistake: warmup_steps = 0 used as it is, so the decay's progress starts at 1 / total_steps.

With no warmup, step 0 must use the full rate (f(0) == 1.0, as with warmup_steps = 1);
p = (s - 0 + 1) / total_steps makes step 0 already decayed, and the full rate is never used.
"""

import math

CAUGHT_BY = "with warmup_steps=0 there is no warmup"
REJECTED_BY = "test_warmup_cosine_hits_its_three_landmarks_exactly"


def warmup_cosine(warmup_steps, total_steps, min_factor=0.0):
    if warmup_steps < 0 or total_steps <= max(warmup_steps, 1) or not 0 <= min_factor <= 1:
        raise ValueError("bad arguments")

    def factor(s):
        if s < warmup_steps:
            return (s + 1) / warmup_steps
        p = min((s - warmup_steps + 1) / (total_steps - warmup_steps), 1.0)
        return min_factor + (1 - min_factor) * (1 + math.cos(math.pi * p)) / 2

    return factor
