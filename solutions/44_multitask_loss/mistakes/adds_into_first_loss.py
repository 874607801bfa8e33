"""Mistake: total = losses[0] * ... is skipped: total = losses[0], then total += w * loss.

`+=` on a tensor is in place: it adds into the caller's first loss (and its weight is
taken as 1), so the caller's logged loss changes under them.
"""

CAUGHT_BY = "adds in place into the caller's tensor"
REJECTED_BY = "test_weighted_sum_does_not_change_the_callers_losses"


def weighted_sum(losses, weights):
    if len(losses) == 0 or len(weights) != len(losses) or any(w < 0 for w in weights):
        raise ValueError("bad losses or weights")
    if any(loss.dim() != 0 for loss in losses):
        raise ValueError("each loss must be 0-d")
    total = losses[0]
    total *= weights[0]
    for w, loss in zip(weights[1:], losses[1:], strict=True):
        total += w * loss
    return total
