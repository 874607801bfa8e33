"""Mistake: seed_everything() reduces NumPy's seed with seed % (2**32 - 1).

A common copy-paste: it fits NumPy's range, but it is not the documented seed % 2**32, so a
run seeded with 2**32 + 9 draws other NumPy numbers than one seeded as the docstring says.
"""

import random

import numpy as np
import torch

CAUGHT_BY = "another reduction of the seed"
REJECTED_BY = "test_seed_everything_seeds_with_the_documented_values"


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed % (2**32 - 1))
    torch.manual_seed(seed)
