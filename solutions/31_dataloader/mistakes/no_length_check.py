"""Mistake: no check that labels has one entry per dataset item.

Shorter labels silently never draw the last items; longer ones draw indices past the end of
the dataset, failing only when that batch is loaded.
"""

import torch
from torch.utils.data import DataLoader

from torchkatas.harness import solution_for

CAUGHT_BY = "one label per item"
REJECTED_BY = "test_labels_of_another_length_raise_value_error"

solution = solution_for(__file__)


def balanced_loader(dataset, labels, batch_size, device, *, seed, num_samples=None, num_workers=0):
    n = len(dataset) if num_samples is None else num_samples
    sampler = solution.balanced_sampler(labels, n, torch.Generator().manual_seed(seed))
    return DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=sampler,
        num_workers=num_workers,
        worker_init_fn=solution.seed_worker,
        generator=torch.Generator().manual_seed(seed),
        pin_memory=torch.device(device).type == "cuda",
    )
