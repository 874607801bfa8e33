"""Mistake: x.requires_grad_() on the caller's tensor and backward through it.

The numbers are right, but the caller's x now requires grad and holds a .grad it never
asked for (and a second call would add to it).
"""

CAUGHT_BY = "changed the caller's x"
REJECTED_BY = "test_vjp_leaves_callers_tensors_alone"


def vjp(f, x, v):
    x.requires_grad_(True)
    y = f(x)
    if v.shape != y.shape:
        raise ValueError("v must have y's shape")
    y.backward(gradient=v)
    return y.detach(), x.grad.detach().clone()
