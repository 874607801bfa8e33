"""Mistake: pick() ends with .squeeze() instead of .squeeze(-1).

With a batch or sequence of length 1, squeeze() drops those dimensions too.
"""

CAUGHT_BY = "squeeze() without a dim"
REJECTED_BY = "test_pick_takes_each_targets_logit"


def pick(logits, targets):
    return logits.gather(-1, targets.unsqueeze(-1)).squeeze()
