"""Mistake: sgd_step_() clears the gradients with p.grad.zero_() instead of p.grad = None.

The docstring asks for None, and zero_() writes into the gradient tensor the caller may
still hold (a logger, a clipping step), which now reads all zeros.
"""

import torch

CAUGHT_BY = "zeroed in place"
REJECTED_BY = "test_sgd_step_updates_in_place_and_clears_grads"


def sgd_step_(params, lr):
    with torch.no_grad():
        for p in params:
            if p.grad is None:
                continue
            p.sub_(lr * p.grad)
            p.grad.zero_()
