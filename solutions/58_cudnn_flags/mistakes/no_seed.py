"""Mistake: deterministic algorithms without a seed.

Deterministic kernels give the same output for the same input; fresh random weights and
dropout masks are different inputs each run.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "the seed is not used"
REJECTED_BY = "test_reproducible_run_repeats_bit_for_bit"

solution = solution_for(__file__)


def reproducible_run(fn, *args, seed):
    with torch.random.fork_rng(devices=[]):
        with solution.deterministic():
            return fn(*args)
