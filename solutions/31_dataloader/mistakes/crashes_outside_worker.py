"""Mistake: seed_worker reads get_worker_info().dataset without checking for None.

Called outside a worker (a test, a debugging session, num_workers=0 code sharing the
function) get_worker_info() is None and it crashes.
"""

import torch
from torch.utils.data import get_worker_info

CAUGHT_BY = "outside a DataLoader worker raised"
REJECTED_BY = "test_seed_worker_outside_a_worker_does_nothing"


def seed_worker(worker_id):
    info = get_worker_info()
    generator = info.dataset.generator if hasattr(info.dataset, "generator") else None
    if isinstance(generator, torch.Generator):
        generator.manual_seed(info.seed)
