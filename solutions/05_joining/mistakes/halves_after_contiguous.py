"""Mistake: halves() calls x.contiguous() before torch.chunk, "to be safe".

For a transposed x that is a copy, so the halves are views of the copy, not of x.
"""

import torch

CAUGHT_BY = "returned a copy"
REJECTED_BY = "test_halves_of_a_transposed_x_are_views"


def halves(x):
    if x.shape[-1] % 2:
        raise ValueError("odd last dimension")
    first, second = torch.chunk(x.contiguous(), 2, dim=-1)
    return first, second
