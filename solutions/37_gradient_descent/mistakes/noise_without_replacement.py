"""Mistake: gradient_noise draws each mini-batch with torch.randperm(N)[:B].

Without replacement the noise is sigma^2 / B times (N - B) / (N - 1), not sigma^2 / B, and
the docstring asks for torch.randint (with replacement).
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "sampled without replacement"
REJECTED_BY = "test_gradient_noise_equals_the_reference_loop"

solution = solution_for(__file__)


def gradient_noise(loss_fn, w, X, y, batch_size, draws, generator):
    if batch_size < 1 or draws < 1:
        raise ValueError("batch_size and draws must be at least 1")
    n = X.shape[0]
    full = solution.batch_gradient(loss_fn, w, X, y)
    total = 0.0
    for _ in range(draws):
        idx = torch.randperm(n, generator=generator)[:batch_size].to(X.device)
        g = solution.batch_gradient(loss_fn, w, X[idx], y[idx])
        total += float(((g - full) ** 2).sum())
    return total / draws
