"""Mistake: giving up silently at the minimum size.

Returning (None, 0) hides that training did not run at all; the caller must see the
out-of-memory error.
"""

import gc

import torch

CAUGHT_BY = "the error swallowed at the end"
REJECTED_BY = "test_backoff_reraises_below_the_minimum"


def run_with_backoff(step, batch_size, *, min_batch_size=1):
    if min_batch_size < 1 or batch_size < min_batch_size:
        raise ValueError("need 1 <= min_batch_size <= batch_size")
    while batch_size >= min_batch_size:
        try:
            return step(batch_size), batch_size
        except torch.cuda.OutOfMemoryError:
            pass
        gc.collect()
        torch.cuda.empty_cache()
        batch_size //= 2
    return None, 0
