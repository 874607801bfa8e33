"""Mistake: cos(pi * epoch / (T_max - 1)), so that "the last epoch" reaches eta_min.

torch reaches eta_min at epoch T_max; dividing by T_max - 1 gets there one epoch early.
"""

import math

CAUGHT_BY = "T_max - 1 in the denominator"
REJECTED_BY = "test_cosine_lr_reaches_eta_min_and_equals_torch"


def cosine_lr(base_lr, T_max, epoch, eta_min=0.0):
    if T_max < 1 or epoch < 0:
        raise ValueError("bad arguments")
    period = max(T_max - 1, 1)
    return eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * epoch / period)) / 2
