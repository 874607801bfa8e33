"""Mistake: the fit's loss summed over the pixels instead of averaged.

Same minimum, but the gradient is H * W times larger: a learning rate tuned for the mean
overshoots wildly, and the right rate depends on the image size.
"""

import torch

CAUGHT_BY = "summed over the pixels instead of averaged"
REJECTED_BY = "test_fit_equals_a_reference_descent"


def fit_shape(render, params, target, steps, lr):
    if steps < 0:
        raise ValueError("steps must be >= 0")
    current = [p.detach().clone().requires_grad_(True) for p in params]
    for _ in range(steps):
        image = render(*current)
        if image.shape != target.shape or not image.requires_grad:
            raise ValueError("bad render")
        loss = (image - target).pow(2).sum()
        grads = torch.autograd.grad(loss, current)
        with torch.no_grad():
            for p, g in zip(current, grads, strict=True):
                p -= lr * g
    return [p.detach() for p in current]
