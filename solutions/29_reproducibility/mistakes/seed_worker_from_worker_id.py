"""Mistake: seed_worker() seeds from worker_id alone.

Workers differ from each other, but every epoch repeats the previous one's augmentations,
and the loader's seed has no effect on them.
"""

import random

import numpy as np
import torch
from torch.utils.data import DataLoader, get_worker_info

CAUGHT_BY = "seeds from worker_id alone"
REJECTED_BY = "test_each_epoch_draws_new_numbers"


def seed_worker(worker_id):
    random.seed(worker_id)
    np.random.seed(worker_id)
    info = get_worker_info()
    if info is not None and hasattr(info.dataset, "rng"):
        info.dataset.rng = np.random.default_rng(worker_id)


def make_loader(dataset, batch_size, seed, num_workers=2):  # the solution's, with this seed_worker
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=True,
        num_workers=num_workers,
        worker_init_fn=seed_worker,
        generator=torch.Generator().manual_seed(seed),
    )
