"""Mistake: one permutation drawn before the epoch loop and reused every epoch.

Every epoch then visits the batches in the same order with the same members; the
estimate's randomness across epochs, which reshuffling gives, is lost.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "shuffled only once"
REJECTED_BY = "test_minibatch_path_equals_the_reference_loop"

solution = solution_for(__file__)


def minibatch_descent(loss_fn, w0, X, y, lr, epochs, batch_size, generator, shuffle=True):
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    n = X.shape[0]
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    w = w0.detach().clone()
    path = [w]
    for _ in range(epochs):
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size].to(X.device)
            w = w - lr * solution.batch_gradient(loss_fn, w, X[idx], y[idx])
            path.append(w)
    return torch.stack(path)
