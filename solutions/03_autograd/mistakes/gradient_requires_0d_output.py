"""Mistake: gradient() demands a 0-d output (out.dim() == 0) instead of a single element.

A (1, 1) loss is a single element and differentiable; the docstring accepts it.
"""

import torch

CAUGHT_BY = "checking out.dim() == 0"
REJECTED_BY = "test_gradient_accepts_a_single_element_output_that_is_not_0d"


def gradient(f, *xs):
    leaves = [x.detach().requires_grad_(True) for x in xs]
    out = f(*leaves)
    if out.dim() != 0:
        raise ValueError("f must return a scalar")
    if out.requires_grad:
        out.backward()
    return tuple(leaf.grad if leaf.grad is not None else torch.zeros_like(leaf) for leaf in leaves)
