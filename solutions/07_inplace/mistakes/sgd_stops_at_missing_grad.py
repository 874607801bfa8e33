"""Mistake: sgd_step_() breaks out of the loop at the first parameter whose .grad is None.

A frozen or unused parameter is to be skipped, not a stop sign: every parameter after it
keeps its old value (and its stale gradient).
"""

import torch

CAUGHT_BY = "the loop stopped at the parameter without a gradient"
REJECTED_BY = "test_sgd_step_updates_in_place_and_clears_grads"


def sgd_step_(params, lr):
    with torch.no_grad():
        for p in params:
            if p.grad is None:
                break
            p.sub_(lr * p.grad)
            p.grad = None
