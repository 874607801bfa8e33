"""Mistake: gradient() fills an unused input's gradient with torch.zeros(leaf.shape).

torch.zeros makes float32 on the default device: a float64 (or CUDA) input gets zeros of
the wrong dtype (or device); torch.zeros_like(leaf) follows the input.
"""

import torch

CAUGHT_BY = "a new tensor made without dtype="
REJECTED_BY = "test_gradient_of_unused_input_is_zero"


def gradient(f, *xs):
    leaves = [x.detach().requires_grad_(True) for x in xs]
    out = f(*leaves)
    if out.numel() != 1:
        raise ValueError(f"f must return a single-element tensor, got shape {tuple(out.shape)}")
    if out.requires_grad:
        out.backward()
    return tuple(leaf.grad if leaf.grad is not None else torch.zeros(leaf.shape) for leaf in leaves)
