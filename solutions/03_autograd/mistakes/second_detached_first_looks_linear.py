"""Mistake: second_derivative() detaches the first derivative "to be safe", then tests for linear f.

A detached f' never requires grad, so every f looks linear and the answer is always zeros.
"""

import torch

CAUGHT_BY = "a linear-f shortcut returned zeros"
REJECTED_BY = "test_second_derivative_matches_analytic"


def second_derivative(f, x):
    if not torch.is_floating_point(x):
        raise TypeError(f"x must be a floating-point tensor, got dtype {x.dtype}")
    leaf = x.detach().requires_grad_(True)
    (first,) = torch.autograd.grad(f(leaf).sum(), leaf, create_graph=True)
    first = first.detach()
    if not first.requires_grad:  # f' is constant: f was linear
        return torch.zeros_like(x)
    (second,) = torch.autograd.grad(first.sum(), leaf)
    return second
