"""Mistake: for a linear f, second_derivative() returns the first derivative it already has.

When f' has no graph there is nothing left to differentiate, but the answer is then f'' = 0,
not f' (a constant such as 3 for 3 * x + 1).
"""

import torch

CAUGHT_BY = "returned the first derivative"
REJECTED_BY = "test_second_derivative_of_linear_function_is_zero"


def second_derivative(f, x):
    if not torch.is_floating_point(x):
        raise TypeError(f"x must be a floating-point tensor, got dtype {x.dtype}")
    leaf = x.detach().requires_grad_(True)
    (first,) = torch.autograd.grad(f(leaf).sum(), leaf, create_graph=True)
    if not first.requires_grad:
        return first
    (second,) = torch.autograd.grad(first.sum(), leaf)
    return second
