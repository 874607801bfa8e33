"""Mistake: the bound check is off by one the other way (>= R - 1), rejecting the last row.

Indices 0 .. R - 1 are all inside a size of R; triplets in the last row or column are legal.
"""

import torch

CAUGHT_BY = "off by one"
REJECTED_BY = "test_coo_accepts_the_last_row_and_column"


def coo_from_triplets(rows, cols, values, shape):
    if not (rows.shape == cols.shape == values.shape and rows.dim() == 1):
        raise ValueError("rows, cols and values must be 1-D of one length")
    if rows.numel() and (
        rows.min() < 0 or rows.max() >= shape[0] - 1 or cols.min() < 0 or cols.max() >= shape[1] - 1
    ):
        raise ValueError("an index lies outside shape")
    indices = torch.stack([rows, cols])
    return torch.sparse_coo_tensor(indices, values, size=shape, check_invariants=True).coalesce()
