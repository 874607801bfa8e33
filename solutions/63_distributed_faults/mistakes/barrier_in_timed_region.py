"""Mistake: dist.barrier() after each step_fn(), inside the timed region.

Every rank then waits for the slowest at each step, so every rank's time is the
straggler's: nobody looks slow.
"""

import time

import torch
import torch.distributed as dist

CAUGHT_BY = "inside the timed region"
REJECTED_BY = "test_a_rank_that_sleeps_every_step_is_flagged"


def gather_step_times(step_fn, steps):
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step_fn()
        dist.barrier()  # "keep the ranks in step"
        times.append(time.perf_counter() - start)
    mine = torch.tensor(times, dtype=torch.float64)
    rows = [torch.empty_like(mine) for _ in range(dist.get_world_size())]
    dist.all_gather(rows, mine)
    return torch.stack(rows)
