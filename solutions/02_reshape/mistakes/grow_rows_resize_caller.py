"""Mistake: grow_rows() calls x.resize_() on the caller's tensor.

resize_ works in place: the caller's x now has R + n rows.
"""

import torch

CAUGHT_BY = "changed the caller's x"
REJECTED_BY = "test_grow_rows_appends_zeros_and_leaves_x_alone"


def grow_rows(x, n):
    rows = x.shape[0]
    with torch.no_grad():
        x.resize_(rows + n, x.shape[1])
        x[rows:] = 0
    return x.detach()
