"""Mistake: pairwise_distances() loops over the rows of x in Python.

Correct values, but one set of torch calls per row: slow on real sizes, and exactly what
broadcasting is for.
"""

import torch

CAUGHT_BY = "grows with the input size"
REJECTED_BY = "test_pairwise_distances_has_no_python_loop"


def pairwise_distances(x, y):
    return torch.stack([((row - y) ** 2).sum(-1).sqrt() for row in x])
