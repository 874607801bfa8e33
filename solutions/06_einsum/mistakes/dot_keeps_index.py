"""Mistake: dot() uses 'k,k->k', the elementwise product, and forgets to sum it away."""

import torch

CAUGHT_BY = "keeps the index k"
REJECTED_BY = "test_dot_equals_torch_dot"


def dot(a, b):
    return torch.einsum("k,k->k", a, b)
