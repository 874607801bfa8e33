"""Mistake: empty_cache() without gc.collect().

Tensors held in reference cycles (autograd graphs, modules that point at each other) are
freed only by the cycle collector: until then their blocks are allocated, and neither the
retry nor empty_cache() gets them back.
"""

import torch

CAUGHT_BY = "no gc.collect()"
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
        batch_size //= 2
