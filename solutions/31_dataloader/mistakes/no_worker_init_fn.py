"""Mistake: worker_init_fn=seed_worker left out.

Every worker keeps an identical copy of the dataset's generator and draws the same
augmentations.
"""

import torch
from torch.utils.data import DataLoader

from torchkatas.harness import solution_for

CAUGHT_BY = "worker_init_fn=seed_worker not passed"
REJECTED_BY = "test_same_seed_gives_same_batches_with_two_workers"

solution = solution_for(__file__)


def balanced_loader(dataset, labels, batch_size, device, *, seed, num_samples=None, num_workers=0):
    if len(labels) != len(dataset):
        raise ValueError("one label per item")
    n = len(dataset) if num_samples is None else num_samples
    sampler = solution.balanced_sampler(labels, n, torch.Generator().manual_seed(seed))
    return DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=sampler,
        num_workers=num_workers,
        generator=torch.Generator().manual_seed(seed),
        pin_memory=torch.device(device).type == "cuda",
    )
