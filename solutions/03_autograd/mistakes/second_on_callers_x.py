"""Mistake: second_derivative turns on requires_grad on the caller's own x.

torch.autograd.grad leaves .grad alone, so the values are right, but the caller's x now
requires grad.
"""

import torch

CAUGHT_BY = "changed the caller's x.requires_grad"
REJECTED_BY = "test_second_derivative_leaves_callers_tensor_untouched"


def second_derivative(f, x):
    if not torch.is_floating_point(x):
        raise TypeError("x must be floating point")
    x.requires_grad_(True)
    (first,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)
    if not first.requires_grad:
        return torch.zeros_like(x).detach()
    (second,) = torch.autograd.grad(first.sum(), x)
    return second
