"""Mistake: the reduction picked from a dict, {"mean": ..., "sum": ..., "none": ...}[reduction].

Neat, but an unknown reduction then raises KeyError, where the docstring promises
ValueError: a caller catching ValueError (a config validator, say) misses it.
"""

import torch

CAUGHT_BY = "a dict lookup raises KeyError"
REJECTED_BY = "test_bce_with_logits_unknown_reduction_raises_value_error"


def bce_with_logits(logits, target, reduction="mean"):
    loss = logits.clamp(min=0) - logits * target + torch.log1p(torch.exp(-logits.abs()))
    return {"mean": loss.mean, "sum": loss.sum, "none": lambda: loss}[reduction]()
