"""Mistake: sum(w * l for w, l in zip(weights, losses)) with no length check.

zip stops at the shorter list: a forgotten weight silently drops a task from training.
"""

CAUGHT_BY = "silently drops"
REJECTED_BY = "test_weighted_sum_refuses_bad_inputs"


def weighted_sum(losses, weights):
    if len(losses) == 0:
        raise ValueError("no losses")
    if any(w < 0 for w in weights) or any(loss.dim() != 0 for loss in losses):
        raise ValueError("bad losses or weights")
    pairs = list(zip(weights, losses))  # noqa: B905 - the mistake
    total = pairs[0][0] * pairs[0][1]
    for w, loss in pairs[1:]:
        total = total + w * loss
    return total
