"""Mistake: the caller's parameter tensors are updated in place (p.data -= lr * grad).

The fit works, and the caller's starting point is gone: a second fit from "the same"
start starts from the answer of the first.
"""

import torch

CAUGHT_BY = "the caller's tensors were updated in place"
REJECTED_BY = "test_fit_leaves_its_arguments_alone"


def fit_shape(render, params, target, steps, lr):
    if steps < 0:
        raise ValueError("steps must be >= 0")
    current = [p.detach().requires_grad_(True) for p in params]  # shares the caller's memory
    for _ in range(steps):
        image = render(*current)
        if image.shape != target.shape or not image.requires_grad:
            raise ValueError("bad render")
        grads = torch.autograd.grad((image - target).pow(2).mean(), current)
        with torch.no_grad():
            for p, g in zip(current, grads, strict=True):
                p -= lr * g
    return [p.detach().clone() for p in current]
