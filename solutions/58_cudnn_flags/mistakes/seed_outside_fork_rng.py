"""Mistake: torch.manual_seed(seed) without torch.random.fork_rng().

The run repeats, but the caller's generator is reset to the seed: everything random the
caller does afterwards (shuffling, dropout, initialisation) repeats too.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "outside torch.random.fork_rng()"
REJECTED_BY = "test_reproducible_run_leaves_the_callers_random_state_and_flags"

solution = solution_for(__file__)


def reproducible_run(fn, *args, seed):
    torch.manual_seed(seed)
    with solution.deterministic():
        return fn(*args)
