"""Mistake: one seeded generator shared by the sampler and the DataLoader.

The DataLoader draws the workers' base seed from it before the sampler draws, so the indices
are not balanced_sampler(labels, n, torch.Generator().manual_seed(seed))'s.
"""

import torch
from torch.utils.data import DataLoader

from torchkatas.harness import solution_for

CAUGHT_BY = "one generator shared"
REJECTED_BY = "test_batches_are_the_balanced_samplers_draws"

solution = solution_for(__file__)


def balanced_loader(dataset, labels, batch_size, device, *, seed, num_samples=None, num_workers=0):
    if len(labels) != len(dataset):
        raise ValueError("one label per item")
    n = len(dataset) if num_samples is None else num_samples
    generator = torch.Generator().manual_seed(seed)
    sampler = solution.balanced_sampler(labels, n, generator)
    return DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=sampler,
        num_workers=num_workers,
        worker_init_fn=solution.seed_worker,
        generator=generator,
        pin_memory=torch.device(device).type == "cuda",
    )
