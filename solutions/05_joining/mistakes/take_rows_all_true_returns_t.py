"""Mistake: take_rows() returns t itself when the mask keeps every row.

"Nothing to drop" is not "nothing to copy": the caller's t now changes when the result is
written to.
"""

import torch

CAUGHT_BY = "expected a copy"
REJECTED_BY = "test_take_rows_with_a_mask_copies_the_true_rows"


def take_rows(t, idx):
    if idx.dtype == torch.bool and bool(idx.all()):
        return t
    return t[idx]
