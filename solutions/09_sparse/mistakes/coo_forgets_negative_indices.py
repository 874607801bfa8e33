"""Mistake: checking only the upper bound of the indices, not that they are >= 0.

A negative index is outside the shape too; torch's invariant check raises RuntimeError for
it, not the promised ValueError.
"""

import torch

CAUGHT_BY = "expected ValueError"
REJECTED_BY = "test_coo_rejects_an_index_outside_shape"


def coo_from_triplets(rows, cols, values, shape):
    if not (rows.shape == cols.shape == values.shape and rows.dim() == 1):
        raise ValueError("rows, cols and values must be 1-D of one length")
    if rows.numel() and (rows.max() >= shape[0] or cols.max() >= shape[1]):
        raise ValueError("an index lies outside shape")
    indices = torch.stack([rows, cols])
    return torch.sparse_coo_tensor(indices, values, size=shape, check_invariants=True).coalesce()
