"""Mistake: the inner loop updates the model's real parameters in place (p.data -= ...).

The model is no longer the meta-learned starting point after the first task: every task
starts where the previous one's adaptation ended, and the meta-gradient is meaningless.
"""

import torch
from torch.func import functional_call

CAUGHT_BY = "changed the model's parameters"
REJECTED_BY = "test_inner_adapt_leaves_the_model_and_the_dict_alone"


def inner_adapt(model, params, support_x, support_y, loss_fn, inner_lr, steps, first_order=False):
    if steps < 0:
        raise ValueError("steps < 0")
    for _ in range(steps):
        loss = loss_fn(functional_call(model, params, (support_x,)), support_y)
        grads = torch.autograd.grad(loss, list(params.values()))
        for p, g in zip(params.values(), grads, strict=True):
            p.data -= inner_lr * g
    return dict(params)
