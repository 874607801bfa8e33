"""Mistake: rejecting only int64 (x.dtype == torch.long) instead of every non-floating dtype.

An int32, bool or complex x slips past the check: torch then raises its own RuntimeError
(or, for complex, autograd runs), not the TypeError the docstring promises.
"""

import torch

CAUGHT_BY = "expected TypeError for a non-floating x"
REJECTED_BY = "test_second_derivative_rejects_non_floating_input"


def second_derivative(f, x):
    if x.dtype == torch.long:
        raise TypeError("x must be floating point")
    leaf = x.detach().requires_grad_(True)
    (first,) = torch.autograd.grad(f(leaf).sum(), leaf, create_graph=True)
    if not first.requires_grad:
        return torch.zeros_like(x)
    (second,) = torch.autograd.grad(first.sum(), leaf)
    return second
