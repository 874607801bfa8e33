"""Mistake: each adapted tensor rebuilt as a new leaf, (p - lr * g).detach().requires_grad_().

The inner loop still adapts, but the query loss no longer depends on the model's
parameters: no meta-gradient reaches them at all.
"""

import torch
from torch.func import functional_call

CAUGHT_BY = "no gradient reaches the model's parameters"
REJECTED_BY = "test_inner_adapt_second_order_differentiates_through_the_gradient"


def inner_adapt(model, params, support_x, support_y, loss_fn, inner_lr, steps, first_order=False):
    if steps < 0:
        raise ValueError("steps < 0")
    for _ in range(steps):
        loss = loss_fn(functional_call(model, params, (support_x,)), support_y)
        grads = torch.autograd.grad(loss, list(params.values()))
        params = {
            n: (p - inner_lr * g).detach().requires_grad_(True)
            for (n, p), g in zip(params.items(), grads, strict=True)
        }
    return params
