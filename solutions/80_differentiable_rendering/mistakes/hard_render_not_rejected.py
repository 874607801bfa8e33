"""Mistake: a render with no gradient is not rejected: the parameters just never move.

With allow_unused=True and the None gradients skipped, a hard-threshold renderer returns
the starting point as the "fit", silently.
"""

import torch

CAUGHT_BY = "returning the start unchanged"
REJECTED_BY = "test_a_hard_disc_gives_gradient_descent_nothing_to_follow"


def fit_shape(render, params, target, steps, lr):
    if steps < 0:
        raise ValueError("steps must be >= 0")
    current = [p.detach().clone().requires_grad_(True) for p in params]
    for _ in range(steps):
        image = render(*current)
        if image.shape != target.shape:
            raise ValueError("shape")
        loss = (image - target).pow(2).mean()
        if not loss.requires_grad:
            continue
        grads = torch.autograd.grad(loss, current, allow_unused=True)
        with torch.no_grad():
            for p, g in zip(current, grads, strict=True):
                if g is not None:
                    p -= lr * g
    return [p.detach() for p in current]
