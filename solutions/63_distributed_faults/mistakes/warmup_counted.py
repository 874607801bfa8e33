"""Mistake: the warmup steps are kept in the medians.

The first steps pay for allocation and caches: a rank slow only while warming up looks
like a straggler.
"""

import torch

CAUGHT_BY = "the warmup steps were counted"
REJECTED_BY = "test_find_stragglers_case"


def find_stragglers(step_times, factor=1.5, warmup=1):
    if step_times.dim() != 2 or factor < 1 or warmup < 0 or step_times.shape[1] - warmup < 1:
        raise ValueError("bad step_times, factor or warmup")
    medians = step_times.median(dim=1).values
    return [int(r) for r in torch.nonzero(medians > factor * medians.min()).flatten()]
