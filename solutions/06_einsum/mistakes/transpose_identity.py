"""Mistake: transpose() uses the subscripts 'ij->ij', which copy a unchanged."""

import torch

CAUGHT_BY = "'ij->ji'"
REJECTED_BY = "test_transpose_equals_t"


def transpose(a):
    return torch.einsum("ij->ij", a)
