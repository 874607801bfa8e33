"""Mistake: dot() computes (a * b).sum() after a token einsum: the reduction is not einsum's."""

import torch

CAUGHT_BY = "used sum"
REJECTED_BY = "test_dot_equals_torch_dot"


def dot(a, b):
    return torch.einsum("k->k", a * b).sum()
