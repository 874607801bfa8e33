"""Mistake: "stochastic" descent that uses the whole dataset's gradient at every update.

That is batch descent with N times as many steps; stochastic descent estimates the gradient
from one example.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "full-batch gradient"
REJECTED_BY = "test_stochastic_path_equals_the_reference_loop"

solution = solution_for(__file__)


def stochastic_descent(loss_fn, w0, X, y, lr, epochs, generator):
    n = X.shape[0]
    w = w0.detach().clone()
    path = [w]
    for _ in range(epochs):
        for _i in torch.randperm(n, generator=generator):
            w = w - lr * solution.batch_gradient(loss_fn, w, X, y)
            path.append(w)
    return torch.stack(path)
