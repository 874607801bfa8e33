"""Mistake: gradient_noise measures E||g_B||^2 instead of E||g_B - g||^2.

That is ||g||^2 + sigma^2 / B: it does not fall as 1/B, because the full gradient's own size
never averages away.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "did not subtract the full-batch gradient"
REJECTED_BY = "test_gradient_noise_equals_the_reference_loop"

solution = solution_for(__file__)


def gradient_noise(loss_fn, w, X, y, batch_size, draws, generator):
    if batch_size < 1 or draws < 1:
        raise ValueError("batch_size and draws must be at least 1")
    n = X.shape[0]
    total = 0.0
    for _ in range(draws):
        idx = torch.randint(n, (batch_size,), generator=generator).to(X.device)
        g = solution.batch_gradient(loss_fn, w, X[idx], y[idx])
        total += float((g**2).sum())
    return total / draws
