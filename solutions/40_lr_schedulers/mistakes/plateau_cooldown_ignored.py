"""Mistake: no cooldown after a reduction.

During the cooldown epochs the bad count is held at 0, so the next reduction waits
at least cooldown + patience + 1 epochs.
"""

import math

CAUGHT_BY = "cooldown ignored"
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
    bad, lrs = 0, []
    for metric in metrics:
        metric = float(metric)
        if better(metric, best):
            best, bad = metric, 0
        else:
            bad += 1
        if bad > patience:
            new_lr = max(lr * factor, min_lr)
            if lr - new_lr > eps:
                lr = new_lr
            bad = 0  # no cooldown counter at all
        lrs.append(lr)
    return lrs
