"""Mistake: gradient() returns the gradients in reversed order (and None for an unused input).

A slip with reversed()/zip that only random, distinct inputs reveal.
"""

CAUGHT_BY = "gradient with respect to"
REJECTED_BY = "test_gradient_of_each_input_in_order"


def gradient(f, *xs):
    leaves = [x.detach().requires_grad_(True) for x in xs]
    out = f(*leaves)
    if out.numel() != 1:
        raise ValueError("f must return a scalar")
    out.backward()
    return tuple(leaf.grad for leaf in reversed(leaves))
