"""Mistake: gradient() calls backward() even when f uses none of its inputs.

Such an output has no graph, and backward() raises; the docstring promises zeros for every
input f does not use.
"""

import torch

CAUGHT_BY = "f uses none of its inputs"
REJECTED_BY = "test_gradient_of_a_function_that_uses_no_input_is_all_zeros"


def gradient(f, *xs):
    leaves = [x.detach().requires_grad_(True) for x in xs]
    out = f(*leaves)
    if out.numel() != 1:
        raise ValueError("f must return a single-element tensor")
    out.backward()
    return tuple(leaf.grad if leaf.grad is not None else torch.zeros_like(leaf) for leaf in leaves)
