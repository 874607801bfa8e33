"""Mistake: borrowing the caller's x for backward, then "tidying up" with x.grad = None.

requires_grad is restored, but a .grad the caller already had is wiped: the docstring says
x keeps its .grad. A fresh leaf from x.detach() touches nothing of the caller's.
"""

CAUGHT_BY = "changed the caller's x"
REJECTED_BY = "test_vjp_leaves_callers_tensors_alone"


def vjp(f, x, v):
    was = x.requires_grad
    x.requires_grad_(True)
    x.grad = None
    y = f(x)
    if v.shape != y.shape:
        x.requires_grad_(was)
        raise ValueError("v must have y's shape")
    y.backward(gradient=v)
    g = x.grad.detach().clone()
    x.grad = None
    x.requires_grad_(was)
    return y.detach(), g
