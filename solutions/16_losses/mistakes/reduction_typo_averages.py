"""Mistake: an if/else over the reductions whose else branch averages.

'sum' and 'none' work, but a typo ('average', 'Mean') silently means 'mean' instead of an
error: the bug shows up as a loss on another scale, far from the typo.
"""

CAUGHT_BY = "a typo must not pass silently"
REJECTED_BY = "test_mse_loss_unknown_reduction_raises_value_error"


def mse_loss(pred, target, reduction="mean"):
    sq = (pred - target) ** 2
    if reduction == "sum":
        return sq.sum()
    if reduction == "none":
        return sq
    return sq.mean()
