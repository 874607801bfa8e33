"""Mistake: backward() runs twice into the same leaf (a retained graph used again).

.grad adds up and is never overwritten, so the result is 2 f'(x): close to nothing a
finite-difference check would report, exactly twice the derivative.
"""

import torch

CAUGHT_BY = ".grad accumulated 2 times"
REJECTED_BY = "test_derivative_matches_analytic_derivative"


def derivative(f, x):
    if not torch.is_floating_point(x):
        raise TypeError("x must be floating point")
    leaf = x.detach().requires_grad_(True)
    y = f(leaf).sum()
    y.backward(retain_graph=True)  # "to check that it works"
    y.backward()
    return leaf.grad
