"""Mistake: approximating the derivative with central finite differences.

Close (about 1e-10 in float64) but not exact; autograd gives the derivative to rounding.
"""

CAUGHT_BY = "finite differences"


def derivative(f, x):
    h = 1e-6
    x = x.detach()
    return (f(x + h) - f(x - h)) / (2 * h)
