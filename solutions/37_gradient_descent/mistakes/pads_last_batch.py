"""Mistake: the short last batch is filled up with the epoch's first examples.

Every batch then has batch_size examples, but the examples at the start of the epoch are
counted twice in that epoch.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "counts them twice"
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
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            if len(idx) < batch_size:  # wrap around to make a full batch
                idx = torch.cat([idx, order[: batch_size - len(idx)]])
            idx = idx.to(X.device)
            w = w - lr * solution.batch_gradient(loss_fn, w, X[idx], y[idx])
            path.append(w)
    return torch.stack(path)
