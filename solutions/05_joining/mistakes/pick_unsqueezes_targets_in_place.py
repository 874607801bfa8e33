"""Mistake: pick() calls targets.unsqueeze_(-1), which reshapes the caller's targets."""

CAUGHT_BY = "targets.unsqueeze_(-1) reshapes"
REJECTED_BY = "test_pick_takes_each_targets_logit"


def pick(logits, targets):
    return logits.gather(-1, targets.unsqueeze_(-1)).squeeze(-1)
