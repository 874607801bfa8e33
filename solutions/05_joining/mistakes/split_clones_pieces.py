"""Mistake: split_by_sizes() clones each piece "to be safe".

Right values, but every piece is a copy: the views the contract promises are gone, and so
is the memory saving.
"""

import torch

CAUGHT_BY = "returned a copy"
REJECTED_BY = "test_split_by_sizes_returns_views"


def split_by_sizes(x, sizes):
    if sum(sizes) != x.shape[0]:
        raise ValueError("sizes do not sum to N")
    return tuple(piece.clone() for piece in torch.split(x, sizes, dim=0))
