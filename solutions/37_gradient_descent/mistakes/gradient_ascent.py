"""Mistake: w + lr * grad in batch gradient descent.

That climbs the loss (gradient ascent). Descent moves against the gradient.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "gradient ascent"
REJECTED_BY = "test_full_batch_descent_makes_one_exact_update_per_epoch"

solution = solution_for(__file__)


def full_batch_descent(loss_fn, w0, X, y, lr, epochs):
    w = w0.detach().clone()
    path = [w]
    for _ in range(epochs):
        w = w + lr * solution.batch_gradient(loss_fn, w, X, y)
        path.append(w)
    return torch.stack(path)
