"""Mistake: returning this rank's own step times, never gathered.

Each rank sees only itself: a straggler can only be found by comparing ranks.
"""

import time

import torch

CAUGHT_BY = "never all_gathered"
REJECTED_BY = "test_gather_step_times_returns_every_ranks_row"


def gather_step_times(step_fn, steps):
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step_fn()
        times.append(time.perf_counter() - start)
    return torch.tensor(times, dtype=torch.float64)
