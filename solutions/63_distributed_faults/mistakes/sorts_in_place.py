"""Mistake: sorting the caller's step times in place to read off the median.

The answer is right, but the caller's (world_size, steps) record is reordered: step k
no longer holds step k's times.
"""

import torch

CAUGHT_BY = "sorting step_times in place"
REJECTED_BY = "test_find_stragglers_matches_a_plain_loop_on_random_times"


def find_stragglers(step_times, factor=1.5, warmup=1):
    if step_times.dim() != 2 or factor < 1 or warmup < 0 or step_times.shape[1] - warmup < 1:
        raise ValueError("bad step_times, factor or warmup")
    kept = step_times[:, warmup:]
    kept.copy_(kept.sort(dim=1).values)  # a view: this writes into the caller's tensor
    medians = kept[:, (kept.shape[1] - 1) // 2]
    return [int(r) for r in torch.nonzero(medians > factor * medians.min()).flatten()]
