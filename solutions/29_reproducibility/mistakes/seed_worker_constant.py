"""Mistake: seed_worker() seeds every worker with the same constant.

Each worker then draws the same "random" augmentations: with two workers, every random
transform is applied in identical pairs.
"""

import random

import numpy as np
import torch
from torch.utils.data import DataLoader, get_worker_info

CAUGHT_BY = "same random numbers in every worker"
REJECTED_BY = "test_workers_draw_different_numbers"


def seed_worker(worker_id):
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    info = get_worker_info()
    if info is not None and hasattr(info.dataset, "rng"):
        info.dataset.rng = np.random.default_rng(0)


def make_loader(dataset, batch_size, seed, num_workers=2):  # the solution's, with this seed_worker
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=True,
        num_workers=num_workers,
        worker_init_fn=seed_worker,
        generator=torch.Generator().manual_seed(seed),
    )
