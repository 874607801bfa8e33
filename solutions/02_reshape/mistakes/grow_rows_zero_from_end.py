"""Mistake: grow_rows() zeroes the new rows with out[-n:] = 0.

Fine for n >= 1, but -0 is 0: with n = 0, out[-0:] is the whole tensor, and every row of x
is zeroed.
"""

import torch

CAUGHT_BY = "out[-n:] = 0"
REJECTED_BY = "test_grow_rows_by_zero_rows_is_a_copy_of_x"


def grow_rows(x, n):
    out = x.detach().clone(memory_format=torch.contiguous_format)
    out.resize_(x.shape[0] + n, x.shape[1])
    out[-n:] = 0
    return out
