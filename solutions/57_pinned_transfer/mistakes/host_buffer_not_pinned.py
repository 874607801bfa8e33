"""Mistake: a plain torch.empty host buffer for GPU results.

Copies into pageable memory cannot be asynchronous: CUDA returns only once the copy is
done.
"""

import torch

CAUGHT_BY = "the buffer is not pinned"
REJECTED_BY = "test_host_buffer_is_pinned_once_with_the_shape_and_dtype"


def host_buffer(like, ops=None):
    return torch.empty(like.shape, dtype=like.dtype)
