"""Mistake: shuffle=False ignored; every epoch is shuffled.

The caller asked for the dataset order (and for their generator to be left alone).
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "shuffled although shuffle=False"
REJECTED_BY = "test_minibatch_without_shuffle_keeps_dataset_order_and_the_generator"

solution = solution_for(__file__)


def minibatch_descent(loss_fn, w0, X, y, lr, epochs, batch_size, generator, shuffle=True):
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    n = X.shape[0]
    w = w0.detach().clone()
    path = [w]
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator).to(X.device)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            w = w - lr * solution.batch_gradient(loss_fn, w, X[idx], y[idx])
            path.append(w)
    return torch.stack(path)
