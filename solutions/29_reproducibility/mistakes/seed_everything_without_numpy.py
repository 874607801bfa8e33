"""Mistake: seed_everything() seeds random and torch but forgets NumPy.

Any augmentation or sampling done with np.random changes from run to run.
"""

import random

import torch

CAUGHT_BY = "not seeded"
REJECTED_BY = "test_seed_everything_repeats_every_generator"


def seed_everything(seed):
    random.seed(seed)
    torch.manual_seed(seed)
