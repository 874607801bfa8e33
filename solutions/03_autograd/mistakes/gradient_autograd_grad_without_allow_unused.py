"""Mistake: gradient() calls torch.autograd.grad(out, leaves) without allow_unused=True.

For an input f does not use, autograd.grad raises ("appears to not have been used in the
graph") instead of giving the zeros the docstring promises.
"""

import torch

CAUGHT_BY = "without allow_unused=True"
REJECTED_BY = "test_gradient_of_unused_input_is_zero"


def gradient(f, *xs):
    leaves = [x.detach().requires_grad_(True) for x in xs]
    out = f(*leaves)
    if out.numel() != 1:
        raise ValueError(f"f must return a single-element tensor, got shape {tuple(out.shape)}")
    if not out.requires_grad:
        return tuple(torch.zeros_like(leaf) for leaf in leaves)
    return torch.autograd.grad(out, leaves)
