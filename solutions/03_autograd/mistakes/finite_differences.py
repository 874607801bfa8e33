"""Mistake: approximating the derivative with central finite differences.

Close (about 1e-10 in float64) but not exact; autograd gives the derivative to rounding.
"""

import torch

CAUGHT_BY = "finite differences"
REJECTED_BY = "test_derivative_matches_analytic_derivative"


def derivative(f, x):
    if not torch.is_floating_point(x):
        raise TypeError("x must be floating point")
    h = 1e-6
    x = x.detach()
    return (f(x + h) - f(x - h)) / (2 * h)
