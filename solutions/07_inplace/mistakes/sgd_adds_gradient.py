"""Mistake: sgd_step_() steps with p.add_(p.grad, alpha=lr), up the gradient.

Gradient descent moves against the gradient: alpha must be -lr (or sub_).
"""

import torch

CAUGHT_BY = "up the gradient"
REJECTED_BY = "test_sgd_step_updates_in_place_and_clears_grads"


def sgd_step_(params, lr):
    with torch.no_grad():
        for p in params:
            if p.grad is None:
                continue
            p.add_(p.grad, alpha=lr)
            p.grad = None
