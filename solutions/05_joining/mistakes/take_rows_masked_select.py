"""Mistake: take_rows() uses t.masked_select for a mask.

masked_select returns a 1-D tensor of the selected elements; the rows are lost.
"""

import torch

CAUGHT_BY = "flattens"
REJECTED_BY = "test_take_rows_with_a_mask_copies_the_true_rows"


def take_rows(t, idx):
    if idx.dtype == torch.bool:
        return t.masked_select(idx[:, None])
    return t.index_select(0, idx)
