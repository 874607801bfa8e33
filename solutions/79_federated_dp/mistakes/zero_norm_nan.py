"""Mistake: clipping written as g / norm * min(norm, max_norm).

Mathematically the same, but a sample whose gradient is exactly zero gives 0 / 0 = NaN,
and one NaN sample poisons the whole batch's update.
"""

import torch

CAUGHT_BY = "NaN from 0 / 0"
REJECTED_BY = "test_a_zero_gradient_stays_zero"


def clip_per_sample(grads, max_norm):
    if max_norm <= 0:
        raise ValueError("max_norm must be > 0")
    if not grads or len({g.shape[0] for g in grads.values()}) != 1:
        raise ValueError("bad grads")
    norms = sum(g.flatten(1).pow(2).sum(1) for g in grads.values()).sqrt()
    capped = torch.minimum(norms, torch.full_like(norms, max_norm))
    shape = [-1]
    return {
        n: g / norms.view(*shape, *[1] * (g.dim() - 1)) * capped.view(*shape, *[1] * (g.dim() - 1))
        for n, g in grads.items()
    }
