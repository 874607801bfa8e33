"""Mistake: make_loader() passes generator=torch.Generator() but never seeds it.

An unseeded generator starts from the same default seed every time: runs are reproducible,
but the seed argument does nothing.
"""

import torch
from torch.utils.data import DataLoader

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "without .manual_seed(seed)"
REJECTED_BY = "test_another_seed_gives_another_order"


def make_loader(dataset, batch_size, seed, num_workers=2):
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=True,
        num_workers=num_workers,
        worker_init_fn=solution.seed_worker,
        generator=torch.Generator(),
    )
