"""Mistake: gradient() returns torch.autograd.grad(out, leaves, allow_unused=True) as it is.

allow_unused=True stops the error, but the unused input's gradient comes back as None, not
the zeros the docstring promises (materialize_grads=True, or a zeros_like, gives them).
"""

import torch

CAUGHT_BY = "allow_unused=True), which gives None"
REJECTED_BY = "test_gradient_of_unused_input_is_zero"


def gradient(f, *xs):
    leaves = [x.detach().requires_grad_(True) for x in xs]
    out = f(*leaves)
    if out.numel() != 1:
        raise ValueError(f"f must return a single-element tensor, got shape {tuple(out.shape)}")
    if not out.requires_grad:
        return tuple(torch.zeros_like(leaf) for leaf in leaves)
    return torch.autograd.grad(out, leaves, allow_unused=True)
