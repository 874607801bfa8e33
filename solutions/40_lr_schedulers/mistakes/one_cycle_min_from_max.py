"""Mistake: OneCycle's final rate as max_lr / final_div_factor.

final_div_factor divides the INITIAL rate: min = (max_lr / div_factor) / final_div_factor.
"""

import math

CAUGHT_BY = "the minimum taken as max_lr / final_div_factor"
REJECTED_BY = "test_one_cycle_equals_the_formula_and_torch"


def one_cycle_lr(max_lr, total_steps, step, pct_start=0.3, div_factor=25.0, final_div_factor=1e4):
    if total_steps < 2 or not 0 <= step < total_steps:
        raise ValueError("bad arguments")
    initial = max_lr / div_factor
    low = max_lr / final_div_factor
    peak = pct_start * total_steps - 1
    if step <= peak:
        a, b, lr_a, lr_b = 0.0, peak, initial, max_lr
    else:
        a, b, lr_a, lr_b = peak, total_steps - 1, max_lr, low
    return lr_b + (lr_a - lr_b) * (1 + math.cos(math.pi * (step - a) / (b - a))) / 2
