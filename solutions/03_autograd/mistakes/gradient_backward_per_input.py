"""Mistake: gradient() calls backward(retain_graph=True) once per input, in a loop.

Every backward() fills every leaf's .grad, and .grad adds up: with n inputs each gradient
comes back n times too large.
"""

import torch

CAUGHT_BY = ".grad accumulated 3 times"
REJECTED_BY = "test_gradient_of_each_input_in_order"


def gradient(f, *xs):
    leaves = [x.detach().requires_grad_(True) for x in xs]
    out = f(*leaves)
    if out.numel() != 1:
        raise ValueError("f must return a single-element tensor")
    grads = []
    for leaf in leaves:
        out.backward(retain_graph=True)
        grads.append(leaf.grad if leaf.grad is not None else torch.zeros_like(leaf))
    return tuple(grads)
