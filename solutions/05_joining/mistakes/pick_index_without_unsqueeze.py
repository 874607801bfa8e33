"""Mistake: pick() calls logits.gather(-1, targets) with a (B, T) index.

gather needs an index with as many dimensions as its input; it raises.
"""

CAUGHT_BY = "gather needs an index with as many dimensions"
REJECTED_BY = "test_pick_takes_each_targets_logit"


def pick(logits, targets):
    return logits.gather(-1, targets)
