"""Mistake: halving without a floor.

After batch size 1 comes 0: the step is called with an empty batch (or 0 // 2 forever)
instead of the error being raised.
"""

import gc

import torch

CAUGHT_BY = "went below the minimum"
REJECTED_BY = "test_backoff_reraises_below_the_minimum"


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
        batch_size //= 2
