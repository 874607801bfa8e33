"""Mistake: pin_memory=torch.cuda.is_available(), decided by the machine, not the target.

On a GPU machine, batches meant for the CPU (evaluation on CPU, a CPU model) are pinned for
nothing; the target device decides.
"""

import torch
from torch.utils.data import DataLoader

from torchkatas.harness import solution_for

CAUGHT_BY = "not from what the machine has"
REJECTED_BY = "test_cpu_target_is_not_pinned"

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
        worker_init_fn=solution.seed_worker,
        generator=torch.Generator().manual_seed(seed),
        pin_memory=torch.cuda.is_available(),
    )
