"""Mistake: seed_worker() also calls torch.manual_seed(torch.initial_seed()).

In a worker that is harmless (torch is seeded with that already), but called anywhere else
it rewinds torch's global generator to its seed: the caller draws the same numbers again.
"""

import random

import numpy as np
import torch
from torch.utils.data import get_worker_info

CAUGHT_BY = "changed torch's global generator"
REJECTED_BY = "test_seed_worker_in_the_main_process"


def seed_worker(worker_id):
    seed = torch.initial_seed()
    torch.manual_seed(seed)
    random.seed(seed % 2**32)
    np.random.seed(seed % 2**32)
    info = get_worker_info()
    if info is not None and hasattr(info.dataset, "rng"):
        info.dataset.rng = np.random.default_rng(seed)
