"""Mistake: stochastic descent that draws each example with torch.randint.

Sampling with replacement visits some examples twice in an epoch and others not at all;
the docstring asks for a permutation per epoch (without replacement).
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "sampled with replacement"
REJECTED_BY = "test_stochastic_path_equals_the_reference_loop"

solution = solution_for(__file__)


def stochastic_descent(loss_fn, w0, X, y, lr, epochs, generator):
    n = X.shape[0]
    w = w0.detach().clone()
    path = [w]
    for _ in range(epochs):
        for i in torch.randint(n, (n,), generator=generator).tolist():
            w = w - lr * solution.batch_gradient(loss_fn, w, X[i : i + 1], y[i : i + 1])
            path.append(w)
    return torch.stack(path)
