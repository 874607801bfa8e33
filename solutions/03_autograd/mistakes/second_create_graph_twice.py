"""Mistake: second_derivative() passes create_graph=True to both differentiations.

Only the first needs it: on the second, the result stays attached to a graph (requires_grad
True), which the docstring rules out.
"""

import torch

CAUGHT_BY = "still attached to an autograd graph"
REJECTED_BY = "test_second_derivative_leaves_callers_tensor_untouched"


def second_derivative(f, x):
    if not torch.is_floating_point(x):
        raise TypeError(f"x must be a floating-point tensor, got dtype {x.dtype}")
    leaf = x.detach().requires_grad_(True)
    (first,) = torch.autograd.grad(f(leaf).sum(), leaf, create_graph=True)
    if not first.requires_grad:
        return torch.zeros_like(x)
    (second,) = torch.autograd.grad(first.sum(), leaf, create_graph=True)
    return second
