"""Mistake: a plain torch.empty host buffer for GPU results.

Copies into pageable memory cannot be asynchronous: CUDA returns only once the copy is
done.
"""

import torch

CAUGHT_BY = "the buffer is not pinned"


def host_buffer(like, ops=None):
    return torch.empty(like.shape, dtype=like.dtype)
