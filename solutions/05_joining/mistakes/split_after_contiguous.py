"""Mistake: split_by_sizes() calls x.contiguous() first, "to be safe".

For a transposed x that is a copy, so the pieces are views of the copy, not of x.
"""

import torch

CAUGHT_BY = "returned a copy"
REJECTED_BY = "test_split_by_sizes_of_a_transposed_x_gives_a_tuple_of_views"


def split_by_sizes(x, sizes):
    if sum(sizes) != x.shape[0]:
        raise ValueError("sizes do not sum to N")
    return torch.split(x.contiguous(), sizes, dim=0)
