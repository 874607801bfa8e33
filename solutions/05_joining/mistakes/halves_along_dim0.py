"""Mistake: halves() calls torch.chunk(x, 2) without dim=-1, so it splits the first dimension."""

import torch

CAUGHT_BY = "dim 0 instead of the last dimension"
REJECTED_BY = "test_halves_splits_last_dimension_as_views"


def halves(x):
    if x.shape[-1] % 2:
        raise ValueError("odd last dimension")
    first, second = torch.chunk(x, 2)
    return first, second
