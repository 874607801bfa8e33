"""Mistake: noise of standard deviation noise_multiplier, without the factor max_norm.

The noise must be calibrated to the sensitivity, which is the clip bound: with max_norm
below 1 this adds too much noise, above 1 too little for the promised privacy.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "without the factor max_norm"
REJECTED_BY = "test_noise_has_the_documented_scale"

solution = solution_for(__file__)


def dp_sgd_gradient(model, loss_fn, inputs, targets, max_norm, noise_multiplier, generator=None):
    if noise_multiplier < 0:
        raise ValueError("noise_multiplier must be >= 0")
    clipped = solution.clip_per_sample(
        solution.per_sample_grads(model, loss_fn, inputs, targets), max_norm
    )
    B = inputs.shape[0]
    result = {}
    for name, g in clipped.items():
        noise = torch.randn(g.shape[1:], generator=generator, dtype=g.dtype).to(g.device)
        result[name] = (g.sum(0) + noise_multiplier * noise) / B
    return result
