"""Mistake: torch.cuda.empty_cache() before gc.collect().

empty_cache() returns only blocks no tensor holds; the failed attempt's tensors in
reference cycles are freed by gc.collect() afterwards, too late: their blocks stay cached.
"""

import gc

import torch

CAUGHT_BY = "empty_cache() before gc.collect()"
REJECTED_BY = "test_backoff_frees_the_failed_attempt_before_retrying"


def run_with_backoff(step, batch_size, *, min_batch_size=1):
    if min_batch_size < 1 or batch_size < min_batch_size:
        raise ValueError("need 1 <= min_batch_size <= batch_size")
    while True:
        try:
            return step(batch_size), batch_size
        except torch.cuda.OutOfMemoryError:
            if batch_size // 2 < min_batch_size:
                raise
        torch.cuda.empty_cache()
        gc.collect()
        batch_size //= 2
