"""Mistake: seed_everything() passes the seed to np.random.seed unchanged.

NumPy's legacy seeding accepts 0 <= seed < 2**32 only: a 64-bit seed (a timestamp, a hash,
torch.initial_seed() of a worker) raises ValueError instead of seeding.
"""

import random

import numpy as np
import torch

CAUGHT_BY = "NumPy takes seeds below 2**32"
REJECTED_BY = "test_seed_everything_repeats_every_generator"


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
