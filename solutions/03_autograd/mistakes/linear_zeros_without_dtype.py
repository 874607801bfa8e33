"""Mistake: the linear case returns torch.zeros(x.shape): float32 on the CPU, whatever x is.

The docstring promises x's dtype and device, also for the zeros of a linear f.
"""

import torch

CAUGHT_BY = "a new tensor made without dtype="
REJECTED_BY = "test_second_derivative_of_linear_function_is_zero"


def second_derivative(f, x):
    if not torch.is_floating_point(x):
        raise TypeError("x must be floating point")
    leaf = x.detach().requires_grad_(True)
    (first,) = torch.autograd.grad(f(leaf).sum(), leaf, create_graph=True)
    if not first.requires_grad:
        return torch.zeros(x.shape)
    (second,) = torch.autograd.grad(first.sum(), leaf)
    return second
