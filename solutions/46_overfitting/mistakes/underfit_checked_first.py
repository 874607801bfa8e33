"""Mistake: the rules checked in the order underfitting, then overfitting.

A run whose validation loss rises while its training loss is still high is reported as
underfitting; the documented order puts the rising validation loss first.
"""

import math

CAUGHT_BY = "checked out of order"
REJECTED_BY = "test_overfitting_starts_after_the_last_epoch_at_the_best"


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
    if train[-1] > target_loss:
        return "underfitting", None
    best = min(val)
    if val[-1] > best * (1 + min_rise):
        return "overfitting", max(i for i, v in enumerate(val) if v == best) + 1
    return "good fit", None
