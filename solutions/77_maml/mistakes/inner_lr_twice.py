"""Mistake: the gradients scaled by inner_lr, then the step scaled by inner_lr again.

The effective inner learning rate is inner_lr ** 2: a tenth of what was asked for at
inner_lr = 0.1, and the model barely adapts.
"""

import torch
from torch.func import functional_call

CAUGHT_BY = "inner_lr applied twice"
REJECTED_BY = "test_inner_adapt_one_step_equals_a_hand_gradient_step"


def inner_adapt(model, params, support_x, support_y, loss_fn, inner_lr, steps, first_order=False):
    if steps < 0:
        raise ValueError("steps < 0")
    for _ in range(steps):
        loss = loss_fn(functional_call(model, params, (support_x,)), support_y)
        grads = torch.autograd.grad(loss, list(params.values()), create_graph=not first_order)
        grads = [inner_lr * g for g in grads]
        params = {n: p - inner_lr * g for (n, p), g in zip(params.items(), grads, strict=True)}
    return params
