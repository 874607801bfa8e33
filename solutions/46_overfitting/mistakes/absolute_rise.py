"""Mistake: val[-1] - best > min_rise, min_rise read as an absolute amount.

A loss of 100 that rises by 0.1 is noise; a loss of 0.01 that doubles is overfitting: the
rise must be relative to the best.
"""

import math

CAUGHT_BY = "used as an absolute amount"
REJECTED_BY = "test_min_rise_is_relative_so_the_scale_does_not_matter"


def diagnose(train_losses, val_losses, target_loss, min_rise=0.05):
    if len(train_losses) == 0 or len(train_losses) != len(val_losses):
        raise ValueError("need two curves of the same length >= 1")
    if target_loss < 0 or min_rise <= 0:
        raise ValueError("need target_loss >= 0 and min_rise > 0")
    train, val = list(train_losses), list(val_losses)
    if any(math.isfinite(v) and v < 0 for v in train + val):
        raise ValueError("losses are >= 0")
    for epoch, pair in enumerate(zip(train, val, strict=True)):
        if not all(math.isfinite(v) for v in pair):
            return "diverged", epoch
    best = min(val)
    if val[-1] - best > min_rise:
        return "overfitting", max(i for i, v in enumerate(val) if v == best) + 1
    if train[-1] > target_loss:
        return "underfitting", None
    return "good fit", None
