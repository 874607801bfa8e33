"""Mistake: make_loader() forgets worker_init_fn=seed_worker.

The DataLoader seeds torch, random and NumPy in each worker itself, but nobody replaces the
dataset's own NumPy Generator: every worker draws the same "random" augmentations.
"""

import torch
from torch.utils.data import DataLoader

CAUGHT_BY = "no worker_init_fn=seed_worker"
REJECTED_BY = "test_workers_draw_different_numbers"


def make_loader(dataset, batch_size, seed, num_workers=2):
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=True,
        num_workers=num_workers,
        generator=torch.Generator().manual_seed(seed),
    )
