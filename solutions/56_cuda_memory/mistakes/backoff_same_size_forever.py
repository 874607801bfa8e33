"""Mistake: retrying at the same batch size, hoping memory frees up.

Nothing else frees memory in a single training process: the same size fails the same way,
forever.
"""

import gc

import torch

CAUGHT_BY = "retrying forever"
REJECTED_BY = "test_backoff_halves_until_the_step_fits"


def run_with_backoff(step, batch_size, *, min_batch_size=1):
    if min_batch_size < 1 or batch_size < min_batch_size:
        raise ValueError("need 1 <= min_batch_size <= batch_size")
    while True:
        try:
            return step(batch_size), batch_size
        except torch.cuda.OutOfMemoryError:
            pass
        gc.collect()
        torch.cuda.empty_cache()
