"""Mistake: any improvement counts, the threshold ignored.

A metric must beat the best by the threshold (relative or absolute) to reset the
count; tiny wobbles downwards then keep the rate high for ever.
"""

import math

CAUGHT_BY = "threshold ignored"
REJECTED_BY = "test_plateau_lrs_equal_torchs_reduce_lr_on_plateau"


def plateau_lrs(
    metrics,
    lr,
    mode="min",
    factor=0.1,
    patience=10,
    threshold=1e-4,
    threshold_mode="rel",
    cooldown=0,
    min_lr=0.0,
    eps=1e-8,
):
    if mode not in ("min", "max") or threshold_mode not in ("rel", "abs") or factor >= 1:
        raise ValueError("bad arguments")

    def better(a, best):  # any improvement at all counts
        return a < best if mode == "min" else a > best

    best = math.inf if mode == "min" else -math.inf
    bad, cooldown_left, lrs = 0, 0, []
    for metric in metrics:
        metric = float(metric)
        if better(metric, best):
            best, bad = metric, 0
        else:
            bad += 1
        if cooldown_left > 0:
            cooldown_left -= 1
            bad = 0
        if bad > patience:
            new_lr = max(lr * factor, min_lr)
            if lr - new_lr > eps:
                lr = new_lr
            cooldown_left, bad = cooldown, 0
        lrs.append(lr)
    return lrs
