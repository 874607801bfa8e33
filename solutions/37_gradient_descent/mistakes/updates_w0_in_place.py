"""Mistake: w = w0.detach() then in-place updates.

detach() shares storage with w0, so w -= lr * grad overwrites the caller's starting point
(and row 0 of the path with it).
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "changed the caller's w0"
REJECTED_BY = "test_minibatch_path_equals_the_reference_loop"

solution = solution_for(__file__)


def minibatch_descent(loss_fn, w0, X, y, lr, epochs, batch_size, generator, shuffle=True):
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    n = X.shape[0]
    w = w0.detach()
    path = [w.clone()]
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
        order = order.to(X.device)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            w -= lr * solution.batch_gradient(loss_fn, w, X[idx], y[idx])
            path.append(w.clone())
    return torch.stack(path)
