"""Mistake: the warmup factor s / warmup_steps.

Step 0 then trains at lr 0 (a wasted step) and the full rate is only reached one step
after the warmup.
"""

import math

CAUGHT_BY = "wastes the first step at lr 0"
REJECTED_BY = "test_warmup_cosine_hits_its_three_landmarks_exactly"


def warmup_cosine(warmup_steps, total_steps, min_factor=0.0):
    warmup = max(warmup_steps, 1)
    if warmup_steps < 0 or total_steps <= warmup or not 0 <= min_factor <= 1:
        raise ValueError("bad arguments")

    def factor(s):
        if s < warmup:
            return s / warmup
        p = min((s - warmup + 1) / (total_steps - warmup), 1.0)
        return min_factor + (1 - min_factor) * (1 + math.cos(math.pi * p)) / 2

    return factor
