"""Mistake: reduce once the bad count reaches patience (>=).

ReduceLROnPlateau waits for MORE than patience bad epochs: with patience=2 the third
bad epoch in a row reduces the rate, not the second.
"""

import math

CAUGHT_BY = "after MORE than patience"
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

    def better(a, best):
        if mode == "min":
            return a < (best * (1 - threshold) if threshold_mode == "rel" else best - threshold)
        return a > (best * (1 + threshold) if threshold_mode == "rel" else best + threshold)

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
        if bad >= patience:
            new_lr = max(lr * factor, min_lr)
            if lr - new_lr > eps:
                lr = new_lr
            cooldown_left, bad = cooldown, 0
        lrs.append(lr)
    return lrs
