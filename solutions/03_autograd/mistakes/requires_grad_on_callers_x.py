"""Mistake: turning on requires_grad on the caller's own tensor and reading its .grad.

The right values come back, but the caller's x now requires grad and holds a .grad.
"""

CAUGHT_BY = "changed the caller's x"
REJECTED_BY = "test_derivative_leaves_callers_tensor_untouched"


def derivative(f, x):
    if not x.is_floating_point():
        raise TypeError("x must be floating point")
    x.requires_grad_(True)
    f(x).sum().backward()
    return x.grad.detach()
