"""Mistake: sorting the caller's triplets in place (t[:] = t[order]) before building the tensor.

The result is right, but the caller's rows, cols and values come back permuted: the
docstring promises the inputs are not changed.
"""

import torch

CAUGHT_BY = "changed the caller's"
REJECTED_BY = "test_coo_leaves_the_callers_triplets_untouched"


def coo_from_triplets(rows, cols, values, shape):
    if not (rows.shape == cols.shape == values.shape and rows.dim() == 1):
        raise ValueError("rows, cols and values must be 1-D of one length")
    if rows.numel() and (
        rows.min() < 0 or rows.max() >= shape[0] or cols.min() < 0 or cols.max() >= shape[1]
    ):
        raise ValueError("an index lies outside shape")
    order = (rows * shape[1] + cols).argsort()
    rows[:] = rows[order]
    cols[:] = cols[order]
    values[:] = values[order]
    indices = torch.stack([rows, cols])
    return torch.sparse_coo_tensor(indices, values, size=shape, check_invariants=True).coalesce()
