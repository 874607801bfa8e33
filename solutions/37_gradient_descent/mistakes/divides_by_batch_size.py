"""Mistake: every batch's summed gradient divided by batch_size, the short last one too.

The last batch holds fewer examples: its mean is over its own size, so dividing by
batch_size shrinks its step.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "divided every batch by batch_size"
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
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            leaf = w.detach().requires_grad_(True)
            loss = loss_fn(leaf, X[idx], y[idx]).sum() / batch_size
            (grad,) = torch.autograd.grad(loss, leaf)
            w = w - lr * grad
            path.append(w)
    return torch.stack(path)
