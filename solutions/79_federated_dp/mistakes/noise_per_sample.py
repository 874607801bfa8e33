"""Mistake: noise added to every sample's clipped gradient, then the batch averaged.

B independent draws add up to sqrt(B) times the noise the privacy analysis counts on: the
model learns worse for no extra privacy (or the accountant is wrong).
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "noise added to every sample before summing"
REJECTED_BY = "test_noise_has_the_documented_scale"

solution = solution_for(__file__)


def dp_sgd_gradient(model, loss_fn, inputs, targets, max_norm, noise_multiplier, generator=None):
    if noise_multiplier < 0:
        raise ValueError("noise_multiplier must be >= 0")
    clipped = solution.clip_per_sample(
        solution.per_sample_grads(model, loss_fn, inputs, targets), max_norm
    )
    result = {}
    for name, g in clipped.items():
        noise = torch.randn(g.shape, generator=generator, dtype=g.dtype).to(g.device)
        result[name] = (g + noise_multiplier * max_norm * noise).mean(dim=0)
    return result
