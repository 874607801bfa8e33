"""Mistake: one leaf w with requires_grad, backward() every step, .grad never zeroed.

backward() adds into .grad, so each update uses the sum of every gradient so far.
"""

import torch

CAUGHT_BY = "added each new gradient to all the earlier ones"
REJECTED_BY = "test_stochastic_path_equals_the_reference_loop"


def stochastic_descent(loss_fn, w0, X, y, lr, epochs, generator):
    n = X.shape[0]
    w = w0.detach().clone().requires_grad_(True)
    path = [w.detach().clone()]
    for _ in range(epochs):
        for i in torch.randperm(n, generator=generator).tolist():
            loss_fn(w, X[i : i + 1], y[i : i + 1]).mean().backward()
            with torch.no_grad():
                w -= lr * w.grad
            path.append(w.detach().clone())
    return torch.stack(path)
