"""Mistake: each rank's mean step time instead of its median.

One slow step (a checkpoint written, a GC pause) pulls the mean far up: a healthy rank
is flagged as a straggler.
"""

import torch

CAUGHT_BY = "the mean instead of the median"
REJECTED_BY = "test_find_stragglers_matches_a_plain_loop_on_random_times"


def find_stragglers(step_times, factor=1.5, warmup=1):
    if step_times.dim() != 2 or factor < 1 or warmup < 0 or step_times.shape[1] - warmup < 1:
        raise ValueError("bad step_times, factor or warmup")
    typical = step_times[:, warmup:].mean(dim=1)
    return [int(r) for r in torch.nonzero(typical > factor * typical.min()).flatten()]
