"""Mistake: loss.backward() each step and p -= lr * p.grad, never zeroing .grad.

backward() adds to .grad: each step moves by the sum of all gradients so far, like a
runaway momentum.
"""

import torch

CAUGHT_BY = "gradients accumulated across steps"
REJECTED_BY = "test_fit_equals_a_reference_descent"


def fit_shape(render, params, target, steps, lr):
    if steps < 0:
        raise ValueError("steps must be >= 0")
    current = [p.detach().clone().requires_grad_(True) for p in params]
    for _ in range(steps):
        image = render(*current)
        if image.shape != target.shape or not image.requires_grad:
            raise ValueError("bad render")
        (image - target).pow(2).mean().backward()
        with torch.no_grad():
            for p in current:
                p -= lr * p.grad
    return [p.detach() for p in current]
