"""Mistake: the weights are a tensor that requires grad, updated out of place with autograd on.

Every update w - lr * g is recorded, so the returned path drags a graph as long as the
whole run (memory grows with every step).
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "carries an autograd graph"
REJECTED_BY = "test_full_batch_descent_makes_one_exact_update_per_epoch"

solution = solution_for(__file__)


def full_batch_descent(loss_fn, w0, X, y, lr, epochs):
    w = w0.clone().requires_grad_(True) if not w0.requires_grad else w0.clone()
    path = [w]
    for _ in range(epochs):
        w = w - lr * solution.batch_gradient(loss_fn, w, X, y)
        path.append(w)
    return torch.stack(path)
