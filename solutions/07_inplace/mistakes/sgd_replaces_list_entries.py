"""Mistake: sgd_step_() writes params[i] = (p - lr * p.grad).requires_grad_() into the list.

The list now holds new tensors, while the model (and the caller) still hold the old
parameters, which never change.
"""

import torch

CAUGHT_BY = "changed the caller's list of parameters"
REJECTED_BY = "test_sgd_step_updates_in_place_and_clears_grads"


def sgd_step_(params, lr):
    for i, p in enumerate(params):
        if p.grad is None:
            continue
        with torch.no_grad():
            params[i] = (p - lr * p.grad).requires_grad_()
