"""Mistake: seed_worker() calls np.random.seed(torch.initial_seed()), without % 2**32.

A DataLoader's base seed is a 64-bit number: NumPy raises ValueError for seeds of 2**32 and
above, so the workers die at start-up.
"""

import random

import numpy as np
import torch
from torch.utils.data import DataLoader, get_worker_info

CAUGHT_BY = "below 2**32"
REJECTED_BY = "test_seed_worker_in_the_main_process"


def seed_worker(worker_id):
    seed = torch.initial_seed()
    random.seed(seed)
    np.random.seed(seed)
    info = get_worker_info()
    if info is not None and hasattr(info.dataset, "rng"):
        info.dataset.rng = np.random.default_rng(seed)


def make_loader(dataset, batch_size, seed, num_workers=2):  # the solution's, with this seed_worker
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=True,
        num_workers=num_workers,
        worker_init_fn=seed_worker,
        generator=torch.Generator().manual_seed(seed),
    )
