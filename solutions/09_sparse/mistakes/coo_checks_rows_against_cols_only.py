"""Mistake: checking that rows and cols have one length, but not values.

A values tensor of another length reaches torch.sparse_coo_tensor, which raises
RuntimeError; the docstring promises ValueError for any length mismatch.
"""

import torch

CAUGHT_BY = "expected ValueError"
REJECTED_BY = "test_coo_rejects_triplets_of_different_lengths"


def coo_from_triplets(rows, cols, values, shape):
    if rows.shape != cols.shape:
        raise ValueError("rows and cols must have one length")
    if rows.numel() and (
        rows.min() < 0 or rows.max() >= shape[0] or cols.min() < 0 or cols.max() >= shape[1]
    ):
        raise ValueError("an index lies outside shape")
    indices = torch.stack([rows, cols])
    return torch.sparse_coo_tensor(indices, values, size=shape, check_invariants=True).coalesce()
