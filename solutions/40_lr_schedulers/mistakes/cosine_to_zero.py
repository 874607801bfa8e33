"""Mistake: the cosine anneals to 0, ignoring eta_min.

CosineAnnealingLR ends at eta_min: eta_min + (base_lr - eta_min) * (1 + cos(pi t / T)) / 2.
"""

import math

CAUGHT_BY = "cosine down to 0 instead of to eta_min"
REJECTED_BY = "test_cosine_lr_reaches_eta_min_and_equals_torch"


def cosine_lr(base_lr, T_max, epoch, eta_min=0.0):
    if T_max < 1 or epoch < 0:
        raise ValueError("bad arguments")
    return base_lr * (1 + math.cos(math.pi * epoch / T_max)) / 2
