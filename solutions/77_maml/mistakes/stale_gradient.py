"""Mistake: every inner step uses the gradient at the starting point.

The functional_call is made with the starting params each time, so steps > 1 just repeat
the first gradient: k steps become one step of k * inner_lr.
"""

import torch
from torch.func import functional_call

CAUGHT_BY = "gradient at the starting point"
REJECTED_BY = "test_inner_adapt_steps_start_from_the_previous_step"


def inner_adapt(model, params, support_x, support_y, loss_fn, inner_lr, steps, first_order=False):
    if steps < 0:
        raise ValueError("steps < 0")
    start = params
    for _ in range(steps):
        loss = loss_fn(functional_call(model, start, (support_x,)), support_y)
        grads = torch.autograd.grad(loss, list(start.values()), create_graph=not first_order)
        params = {n: p - inner_lr * g for (n, p), g in zip(params.items(), grads, strict=True)}
    return params
