"""Mistake: gradient() returns each leaf's .grad as it is: None for an input f does not use.

The docstring promises zeros of the input's shape; .grad stays None where the graph never
reached.
"""

CAUGHT_BY = "returned None"
REJECTED_BY = "test_gradient_of_unused_input_is_zero"


def gradient(f, *xs):
    leaves = [x.detach().requires_grad_(True) for x in xs]
    out = f(*leaves)
    if out.numel() != 1:
        raise ValueError("f must return a single-element tensor")
    out.backward()
    return tuple(leaf.grad for leaf in leaves)
