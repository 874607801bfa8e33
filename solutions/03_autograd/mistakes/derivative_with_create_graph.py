"""Mistake: derivative() takes torch.autograd.grad(..., create_graph=True), as for f''.

The values are right, but the result keeps a graph back to the leaf (requires_grad True):
the caller holds on to f's whole graph and gets a tensor that is not plain data.
"""

import torch

CAUGHT_BY = "still attached to an autograd graph"
REJECTED_BY = "test_derivative_leaves_callers_tensor_untouched"


def derivative(f, x):
    if not torch.is_floating_point(x):
        raise TypeError(f"x must be a floating-point tensor, got dtype {x.dtype}")
    leaf = x.detach().requires_grad_(True)
    (first,) = torch.autograd.grad(f(leaf).sum(), leaf, create_graph=True)
    return first
