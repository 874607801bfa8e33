"""Mistake: sgd_step_() writes p = p - lr * p.grad inside the loop.

That rebinds the loop variable to a new tensor; the parameters themselves never change.
"""

import torch

CAUGHT_BY = "rebinds the loop variable"
REJECTED_BY = "test_sgd_step_updates_in_place_and_clears_grads"


def sgd_step_(params, lr):
    with torch.no_grad():
        for p in params:
            if p.grad is None:
                continue
            p.grad, p = None, p - lr * p.grad
