"""Mistake: seed_worker() replaces the dataset's rng with np.random.default_rng(), no seed.

Each worker then has its own generator, as wanted, but one seeded from fresh OS entropy:
the augmentations differ from run to run, whatever seed the loader was given.
"""

import random

import numpy as np
import torch
from torch.utils.data import DataLoader, get_worker_info

CAUGHT_BY = "without a seed"
REJECTED_BY = "test_two_runs_give_identical_batches_and_losses"


def seed_worker(worker_id):
    seed = torch.initial_seed() % 2**32
    random.seed(seed)
    np.random.seed(seed)
    info = get_worker_info()
    if info is not None and hasattr(info.dataset, "rng"):
        info.dataset.rng = np.random.default_rng()


def make_loader(dataset, batch_size, seed, num_workers=2):  # the solution's, with this seed_worker
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=True,
        num_workers=num_workers,
        worker_init_fn=seed_worker,
        generator=torch.Generator().manual_seed(seed),
    )
