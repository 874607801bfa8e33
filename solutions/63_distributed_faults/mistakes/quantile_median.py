"""Mistake: torch.quantile(q=0.5) as the median.

For an even number of steps it averages the two middle values, while the rule (and
torch.median) takes the lower one: borderline ranks come out differently.
"""

import torch

CAUGHT_BY = "the two middle values averaged"
REJECTED_BY = "test_find_stragglers_case"


def find_stragglers(step_times, factor=1.5, warmup=1):
    if step_times.dim() != 2 or factor < 1 or warmup < 0 or step_times.shape[1] - warmup < 1:
        raise ValueError("bad step_times, factor or warmup")
    medians = torch.quantile(step_times[:, warmup:].double(), 0.5, dim=1)
    return [int(r) for r in torch.nonzero(medians > factor * medians.min()).flatten()]
