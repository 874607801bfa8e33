"""Mistake: split_by_sizes() uses torch.chunk(x, len(sizes)).

chunk cuts into nearly equal pieces (and sometimes fewer of them), ignoring the sizes asked for.
"""

import torch

CAUGHT_BY = "chunk"
REJECTED_BY = "test_split_by_sizes_returns_views"


def split_by_sizes(x, sizes):
    if sum(sizes) != x.shape[0]:
        raise ValueError("sizes do not sum to N")
    return torch.chunk(x, len(sizes), dim=0)
