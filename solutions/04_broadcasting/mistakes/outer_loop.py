"""Mistake: outer() builds the result row by row in a Python loop."""

import torch

CAUGHT_BY = "a Python loop"
REJECTED_BY = "test_outer_has_no_python_loop"


def outer(a, b, op):
    return torch.stack([op(a_i, b) for a_i in a])
