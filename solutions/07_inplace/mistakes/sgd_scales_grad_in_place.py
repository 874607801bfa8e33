"""Mistake: sgd_step_() scales the gradient in place, p.sub_(p.grad.mul_(lr)).

Saves a temporary, and the parameters are right, but the gradient tensor is changed: any
code still holding it (a logger, clipping, the caller) now sees lr * grad.
"""

import torch

CAUGHT_BY = "changed the gradient tensor"
REJECTED_BY = "test_sgd_step_updates_in_place_and_clears_grads"


def sgd_step_(params, lr):
    with torch.no_grad():
        for p in params:
            if p.grad is None:
                continue
            p.sub_(p.grad.mul_(lr))
            p.grad = None
