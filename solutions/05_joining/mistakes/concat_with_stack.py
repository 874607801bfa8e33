"""Mistake: concat_batches() uses torch.stack.

stack needs equal shapes and adds a dimension, so batches of different sizes fail.
"""

import torch

CAUGHT_BY = "torch.stack needs equal shapes"
REJECTED_BY = "test_concat_batches_joins_unequal_batches"


def concat_batches(batches):
    if not batches:
        raise ValueError("empty")
    return torch.stack(batches, dim=0)
