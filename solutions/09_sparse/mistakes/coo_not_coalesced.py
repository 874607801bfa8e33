"""Mistake: building the COO tensor with torch.sparse_coo_tensor and never calling .coalesce().

Duplicate (row, col) triplets stay as separate entries: to_dense() still sums them, but nnz,
indices() and values() are wrong, and many sparse ops need a coalesced tensor.
"""

import torch

CAUGHT_BY = "not coalesced"
REJECTED_BY = "test_coo_is_coalesced_with_one_entry_per_position"


def coo_from_triplets(rows, cols, values, shape):
    if not (rows.shape == cols.shape == values.shape):
        raise ValueError("rows, cols and values must have one length")
    if rows.numel() and (rows.max() >= shape[0] or cols.max() >= shape[1]):
        raise ValueError("index out of range")
    indices = torch.stack([rows, cols])
    return torch.sparse_coo_tensor(indices, values, size=shape, check_invariants=True)
