"""Mistake: torch.autograd.grad without create_graph=True in the inner loop, always.

The inner gradients become constants: the meta-gradient silently drops the Hessian term
and is first-order MAML's, whatever first_order says. The loss curve looks the same.
"""

import torch
from torch.func import functional_call

CAUGHT_BY = "first-order silently"
REJECTED_BY = "test_inner_adapt_second_order_differentiates_through_the_gradient"


def inner_adapt(model, params, support_x, support_y, loss_fn, inner_lr, steps, first_order=False):
    if steps < 0:
        raise ValueError("steps < 0")
    for _ in range(steps):
        loss = loss_fn(functional_call(model, params, (support_x,)), support_y)
        grads = torch.autograd.grad(loss, list(params.values()))
        params = {n: p - inner_lr * g for (n, p), g in zip(params.items(), grads, strict=True)}
    return params
