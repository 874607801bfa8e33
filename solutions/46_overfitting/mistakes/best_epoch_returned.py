"""Mistake: the overfitting epoch is the best epoch itself, not the epoch after it.

The best epoch is where to stop (and what early stopping restores); the validation loss
starts rising one epoch later.
"""

import math

CAUGHT_BY = "one epoch early"
REJECTED_BY = "test_diagnosis_of_planted_histories_follows_the_rules"


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
    if val[-1] > best * (1 + min_rise):
        return "overfitting", max(i for i, v in enumerate(val) if v == best)
    if train[-1] > target_loss:
        return "underfitting", None
    return "good fit", None
