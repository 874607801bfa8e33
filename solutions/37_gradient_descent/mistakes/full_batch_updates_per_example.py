"""Mistake: "batch" descent that updates after every example.

That is stochastic descent in dataset order. Batch gradient descent makes ONE update per
pass over the whole dataset, with the gradient of all N examples.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "ONE update per pass"
REJECTED_BY = "test_full_batch_descent_makes_one_exact_update_per_epoch"

solution = solution_for(__file__)


def full_batch_descent(loss_fn, w0, X, y, lr, epochs):
    w = w0.detach().clone()
    path = [w]
    for _ in range(epochs):
        for i in range(X.shape[0]):
            w = w - lr * solution.batch_gradient(loss_fn, w, X[i : i + 1], y[i : i + 1])
            path.append(w)
    return torch.stack(path)
