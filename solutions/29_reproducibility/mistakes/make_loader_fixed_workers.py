"""Mistake: make_loader() always uses num_workers=2, whatever the caller asked for.

The argument is ignored: num_workers=0 (debugging in one process) still starts workers.
"""

import torch
from torch.utils.data import DataLoader

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "fixed instead of passed on"
REJECTED_BY = "test_make_loader_order_depends_on_the_seed_only"


def make_loader(dataset, batch_size, seed, num_workers=2):
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=True,
        num_workers=2,
        worker_init_fn=solution.seed_worker,
        generator=torch.Generator().manual_seed(seed),
    )
