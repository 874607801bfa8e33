"""Mistake: the clipped gradients averaged first, the noise added to the average.

The noise is then B times larger than documented relative to the signal: training with a
realistic batch size drowns in it.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "the noise added after dividing by B"
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
        noise = torch.randn(g.shape[1:], generator=generator, dtype=g.dtype).to(g.device)
        result[name] = g.mean(0) + noise_multiplier * max_norm * noise
    return result
