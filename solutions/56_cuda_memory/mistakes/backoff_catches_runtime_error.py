"""Mistake: except RuntimeError around the step.

torch.cuda.OutOfMemoryError is a RuntimeError, but so is every shape mismatch and device
error: a real bug is then retried at smaller sizes and reported as running out of memory.
"""

import gc

import torch

CAUGHT_BY = "catching every RuntimeError"
REJECTED_BY = "test_backoff_does_not_catch_other_errors"


def run_with_backoff(step, batch_size, *, min_batch_size=1):
    if min_batch_size < 1 or batch_size < min_batch_size:
        raise ValueError("need 1 <= min_batch_size <= batch_size")
    while True:
        try:
            return step(batch_size), batch_size
        except RuntimeError:
            if batch_size // 2 < min_batch_size:
                raise
        gc.collect()
        torch.cuda.empty_cache()
        batch_size //= 2
