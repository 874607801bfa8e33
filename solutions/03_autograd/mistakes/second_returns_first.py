"""Mistake: second_derivative returns the first derivative (one differentiation, not two).

The create_graph=True call is made, but its result is returned instead of being
differentiated once more.
"""

import torch

CAUGHT_BY = "returned the first derivative"
REJECTED_BY = "test_second_derivative_matches_analytic"


def second_derivative(f, x):
    if not torch.is_floating_point(x):
        raise TypeError("x must be floating point")
    leaf = x.detach().requires_grad_(True)
    (first,) = torch.autograd.grad(f(leaf).sum(), leaf, create_graph=True)
    return first.detach()
