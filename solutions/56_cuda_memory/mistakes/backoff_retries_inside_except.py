"""Mistake: the retry made inside the except block (here, by recursion).

While the except block runs, the error and its traceback are alive, and the traceback
holds the failed step's frame with its tensors: the retry runs with that memory still
taken, and empty_cache() cannot return it.
"""

import gc

import torch

CAUGHT_BY = "retrying inside the except block"
REJECTED_BY = "test_backoff_frees_the_failed_attempt_before_retrying"


def run_with_backoff(step, batch_size, *, min_batch_size=1):
    if min_batch_size < 1 or batch_size < min_batch_size:
        raise ValueError("need 1 <= min_batch_size <= batch_size")
    try:
        return step(batch_size), batch_size
    except torch.cuda.OutOfMemoryError:
        if batch_size // 2 < min_batch_size:
            raise
        gc.collect()
        torch.cuda.empty_cache()
        return run_with_backoff(step, batch_size // 2, min_batch_size=min_batch_size)
