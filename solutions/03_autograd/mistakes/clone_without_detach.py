"""Mistake: x.clone().requires_grad_() instead of x.detach().requires_grad_().

When the caller's x already requires grad, the clone is not a leaf: backward() accumulates
into the caller's x.grad, and reading the clone's .grad gives None (torch warns about it).
"""

CAUGHT_BY = "not a leaf"
REJECTED_BY = "test_derivative_leaves_callers_tensor_untouched"


def derivative(f, x):
    if not x.is_floating_point():
        raise TypeError("x must be floating point")
    leaf = x.clone().requires_grad_(True)
    f(leaf).sum().backward()
    return leaf.grad
