"""Mistake: `>=` where the rule says "more than factor times the fastest".

A rank exactly at the threshold is flagged, and with factor=1 every rank is.
"""

import torch

CAUGHT_BY = "'>=' instead of '>'"
REJECTED_BY = "test_find_stragglers_case"


def find_stragglers(step_times, factor=1.5, warmup=1):
    if step_times.dim() != 2 or factor < 1 or warmup < 0 or step_times.shape[1] - warmup < 1:
        raise ValueError("bad step_times, factor or warmup")
    medians = step_times[:, warmup:].median(dim=1).values
    return [int(r) for r in torch.nonzero(medians >= factor * medians.min()).flatten()]
