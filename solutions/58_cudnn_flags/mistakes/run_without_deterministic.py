"""Mistake: seeding only, without the deterministic flags.

On a CPU that often repeats; on a GPU, cuDNN's benchmark choices and atomic adds change
results from run to run even with the same seed.
"""

import torch

CAUGHT_BY = "expected it to run inside deterministic()"
REJECTED_BY = "test_reproducible_run_repeats_bit_for_bit"


def reproducible_run(fn, *args, seed):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return fn(*args)
