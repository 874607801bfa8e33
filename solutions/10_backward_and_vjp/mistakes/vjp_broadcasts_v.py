"""Mistake: (y * v).sum().backward() without checking v's shape.

For a matching v it is the right VJP, but a v of another shape broadcasts silently and
gives a wrong answer instead of an error.
"""

CAUGHT_BY = "broadcast v silently"
REJECTED_BY = "test_vjp_rejects_v_of_another_shape"


def vjp(f, x, v):
    leaf = x.detach().requires_grad_(True)
    y = f(leaf)
    (y * v).sum().backward()
    return y.detach(), leaf.grad
