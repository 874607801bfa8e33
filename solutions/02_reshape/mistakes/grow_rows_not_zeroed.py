"""Mistake: grow_rows() trusts resize_ to fill the new rows with zeros.

resize_ only grows the storage; the new elements are whatever was in that memory.
"""

import torch

CAUGHT_BY = "uninitialised"
REJECTED_BY = "test_grow_rows_appends_zeros_and_leaves_x_alone"


def grow_rows(x, n):
    out = x.detach().clone(memory_format=torch.contiguous_format)
    return out.resize_(x.shape[0] + n, x.shape[1])
