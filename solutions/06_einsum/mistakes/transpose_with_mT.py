"""Mistake: transpose() wraps .mT in an einsum that does nothing ('ij->ij').

The einsum call is there, but the transpose is done by the .mT property.
"""

import torch

CAUGHT_BY = "used .mT"
REJECTED_BY = "test_transpose_equals_t"


def transpose(a):
    return torch.einsum("ij->ij", a.mT)
