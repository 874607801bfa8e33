"""Mistake: no check for NaN or inf.

NaN compares False with everything: min() may or may not return it depending on where it
is, and a diverged run gets a verdict such as "good fit".
"""

import math

CAUGHT_BY = "NaN or inf was not checked first"
REJECTED_BY = "test_nan_or_inf_means_diverged_at_the_first_such_epoch"


def diagnose(train_losses, val_losses, target_loss, min_rise=0.05):
    if len(train_losses) == 0 or len(train_losses) != len(val_losses):
        raise ValueError("need two curves of the same length >= 1")
    if target_loss < 0 or min_rise <= 0:
        raise ValueError("need target_loss >= 0 and min_rise > 0")
    train, val = list(train_losses), list(val_losses)
    if any(math.isfinite(v) and v < 0 for v in train + val):
        raise ValueError("losses are >= 0")

    best = min(val)
    if val[-1] > best * (1 + min_rise):
        return "overfitting", max(i for i, v in enumerate(val) if v == best) + 1
    if train[-1] > target_loss:
        return "underfitting", None
    return "good fit", None
