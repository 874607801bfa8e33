"""Mistake: first_order accepted but never used: create_graph=True always.

Asking for first-order MAML (to save memory and time) silently computes the second-order
gradient anyway.
"""

import torch
from torch.func import functional_call

CAUGHT_BY = "first_order=True ignored"
REJECTED_BY = "test_first_order_inner_adapt_has_the_identity_jacobian"


def inner_adapt(model, params, support_x, support_y, loss_fn, inner_lr, steps, first_order=False):
    if steps < 0:
        raise ValueError("steps < 0")
    for _ in range(steps):
        loss = loss_fn(functional_call(model, params, (support_x,)), support_y)
        grads = torch.autograd.grad(loss, list(params.values()), create_graph=True)
        params = {n: p - inner_lr * g for (n, p), g in zip(params.items(), grads, strict=True)}
    return params
