"""Mistake: torch.chunk(batch, n) for the micro-batches.

torch.chunk makes chunks of ceil(B / n) rows: 10 rows into 4 gives [3, 3, 3, 1], and 10
rows into 6 only 5 chunks, so the schedule no longer has the n micro-batches it was given.
"""

import torch

CAUGHT_BY = "torch.chunk"
REJECTED_BY = "test_split_microbatches_sizes_are_tensor_splits"


def split_microbatches(batch, n):
    if not 1 <= n <= batch.shape[0]:
        raise ValueError(f"n must be between 1 and {batch.shape[0]}, got {n}")
    return list(torch.chunk(batch, n))
