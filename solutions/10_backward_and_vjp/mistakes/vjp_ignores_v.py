"""Mistake: y.sum().backward() for the vector-Jacobian product, ignoring v.

Summing weights every output by 1: that is the VJP with v = ones, not with the given v.
"""

CAUGHT_BY = "ignored the vector v"
REJECTED_BY = "test_vjp_equals_torch_functional_vjp"


def vjp(f, x, v):
    leaf = x.detach().requires_grad_(True)
    y = f(leaf)
    if v.shape != y.shape:
        raise ValueError("v must have y's shape")
    y.sum().backward()
    return y.detach(), leaf.grad
