"""Mistake: every batch's gradient taken at the weights from the start of the epoch.

The gradients are computed first (at the old w) and applied afterwards, so each update
uses a gradient that is stale by all the updates before it in the epoch.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "stale gradient"
REJECTED_BY = "test_minibatch_path_equals_the_reference_loop"

solution = solution_for(__file__)


def minibatch_descent(loss_fn, w0, X, y, lr, epochs, batch_size, generator, shuffle=True):
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    n = X.shape[0]
    w = w0.detach().clone()
    path = [w]
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
        order = order.to(X.device)
        batches = [order[s : s + batch_size] for s in range(0, n, batch_size)]
        grads = [solution.batch_gradient(loss_fn, w, X[idx], y[idx]) for idx in batches]
        for grad in grads:
            w = w - lr * grad
            path.append(w)
    return torch.stack(path)
