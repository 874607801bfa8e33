"""Mistake: v.reshape(y.shape) whenever v has as many elements as y.

A v of shape (12,) or (4, 3) for a y of (3, 4) is a caller's bug; reshaping pairs its
elements with the wrong outputs. The docstring asks for ValueError unless the shapes match.
"""

CAUGHT_BY = "expected ValueError"
REJECTED_BY = "test_vjp_rejects_v_of_another_shape"


def vjp(f, x, v):
    leaf = x.detach().requires_grad_(True)
    y = f(leaf)
    if v.numel() != y.numel():
        raise ValueError("v must have as many elements as y")
    y.backward(gradient=v.reshape(y.shape))
    return y.detach(), leaf.grad
