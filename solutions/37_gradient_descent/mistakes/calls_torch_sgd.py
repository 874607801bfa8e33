"""Mistake: torch.optim.SGD does the update.

The numbers are right, but the kata asks for the update rule w - lr * grad by hand.
"""

import torch

CAUGHT_BY = "asks you to write yourself"
REJECTED_BY = "test_minibatch_path_equals_the_reference_loop"


def minibatch_descent(loss_fn, w0, X, y, lr, epochs, batch_size, generator, shuffle=True):
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    n = X.shape[0]
    w = w0.detach().clone().requires_grad_(True)
    optimizer = torch.optim.SGD([w], lr=lr)
    path = [w.detach().clone()]
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
        order = order.to(X.device)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            optimizer.zero_grad()
            loss_fn(w, X[idx], y[idx]).mean().backward()
            optimizer.step()
            path.append(w.detach().clone())
    return torch.stack(path)
