"""Mistake: make_loader() calls seed_everything(seed) "to be safe" before building the loader.

The batches are reproducible, but the caller's global generators are reset behind their
back: the model initialized next, or any other draw, repeats numbers drawn before.
"""

import torch
from torch.utils.data import DataLoader

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "seeding globally inside make_loader"
REJECTED_BY = "test_make_loader_leaves_the_global_generators_alone"


def make_loader(dataset, batch_size, seed, num_workers=2):
    solution.seed_everything(seed)
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=True,
        num_workers=num_workers,
        worker_init_fn=solution.seed_worker,
        generator=torch.Generator().manual_seed(seed),
    )
