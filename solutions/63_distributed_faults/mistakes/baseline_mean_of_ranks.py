"""Mistake: comparing each rank with the mean of all ranks' medians.

The slow ranks pull the baseline up themselves: when half the ranks are slow, none of
them is more than 1.5 times the mean.
"""

import torch

CAUGHT_BY = "a baseline that includes the slow ranks"
REJECTED_BY = "test_find_stragglers_case"


def find_stragglers(step_times, factor=1.5, warmup=1):
    if step_times.dim() != 2 or factor < 1 or warmup < 0 or step_times.shape[1] - warmup < 1:
        raise ValueError("bad step_times, factor or warmup")
    medians = step_times[:, warmup:].median(dim=1).values
    return [int(r) for r in torch.nonzero(medians > factor * medians.mean()).flatten()]
