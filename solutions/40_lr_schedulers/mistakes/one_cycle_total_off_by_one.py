"""Mistake: OneCycle's second phase ends at step total_steps instead of total_steps - 1.

The steps are 0 .. total_steps - 1, so the last step never reaches the minimum rate.
"""

import math

CAUGHT_BY = "total_steps off by one"
REJECTED_BY = "test_one_cycle_equals_the_formula_and_torch"


def one_cycle_lr(max_lr, total_steps, step, pct_start=0.3, div_factor=25.0, final_div_factor=1e4):
    if total_steps < 2 or not 0 <= step < total_steps:
        raise ValueError("bad arguments")
    initial = max_lr / div_factor
    low = initial / final_div_factor
    peak = pct_start * total_steps - 1
    if step <= peak:
        a, b, lr_a, lr_b = 0.0, peak, initial, max_lr
    else:
        a, b, lr_a, lr_b = peak, total_steps, max_lr, low
    return lr_b + (lr_a - lr_b) * (1 + math.cos(math.pi * (step - a) / (b - a))) / 2
