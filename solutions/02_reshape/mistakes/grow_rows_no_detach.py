"""Mistake: grow_rows() resizes x.clone() without detaching.

The clone of a tensor that requires grad is part of the graph, and resize_ refuses it:
"cannot resize variables that require grad".
"""

import torch

CAUGHT_BY = "requires grad"
REJECTED_BY = "test_grow_rows_of_tensor_that_requires_grad"


def grow_rows(x, n):
    rows = x.shape[0]
    out = x.clone(memory_format=torch.contiguous_format)
    out.resize_(rows + n, x.shape[1])
    out[rows:] = 0
    return out
