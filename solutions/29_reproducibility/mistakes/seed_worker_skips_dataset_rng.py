"""Mistake: seed_worker() seeds random and NumPy's global generator, not the dataset's rng.

A NumPy Generator held by the dataset is copied into every worker unchanged: all workers
draw the same "random" augmentations, epoch after epoch.
"""

import random

import numpy as np
import torch
from torch.utils.data import DataLoader

CAUGHT_BY = "leaves the dataset's rng as it was"
REJECTED_BY = "test_workers_draw_different_numbers"


def seed_worker(worker_id):
    seed = torch.initial_seed() % 2**32
    random.seed(seed)
    np.random.seed(seed)


def make_loader(dataset, batch_size, seed, num_workers=2):  # the solution's, with this seed_worker
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=True,
        num_workers=num_workers,
        worker_init_fn=seed_worker,
        generator=torch.Generator().manual_seed(seed),
    )
