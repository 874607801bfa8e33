"""Mistake: calling y.backward(gradient=v) even when f(x) does not depend on x.

A y with requires_grad False has no graph: backward raises RuntimeError. Its Jacobian is
zero, so the vector-Jacobian product is zeros of x's shape.
"""

CAUGHT_BY = "does not depend on x"
REJECTED_BY = "test_vjp_of_f_that_ignores_x_is_zero"


def vjp(f, x, v):
    leaf = x.detach().requires_grad_(True)
    y = f(leaf)
    if v.shape != y.shape:
        raise ValueError("v must have y's shape")
    y.backward(gradient=v)
    return y.detach(), leaf.grad
