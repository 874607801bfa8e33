"""Mistake: create_graph=True is there, but a linear f's constant f' is differentiated anyway.

For a linear f the first derivative is a constant with no graph even with create_graph=True,
so the second autograd.grad raises; the docstring asks for zeros there.
"""

import torch

CAUGHT_BY = "create_graph=True is there; but f' is a constant"
REJECTED_BY = "test_second_derivative_of_linear_function_is_zero"


def second_derivative(f, x):
    if not torch.is_floating_point(x):
        raise TypeError("x must be floating point")
    leaf = x.detach().requires_grad_(True)
    (first,) = torch.autograd.grad(f(leaf).sum(), leaf, create_graph=True)
    (second,) = torch.autograd.grad(first.sum(), leaf)
    return second
