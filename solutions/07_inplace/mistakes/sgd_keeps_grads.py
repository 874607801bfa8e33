"""Mistake: sgd_step_() updates the parameters but never clears .grad.

The next backward adds to the stale gradients.
"""

import torch

CAUGHT_BY = "were not cleared"
REJECTED_BY = "test_sgd_step_updates_in_place_and_clears_grads"


def sgd_step_(params, lr):
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p.sub_(lr * p.grad)
