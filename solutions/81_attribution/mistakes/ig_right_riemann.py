"""Mistake: the right Riemann rule, alpha = (k + 1) / steps, where the kata states midpoints.

A valid approximation, but not the documented one (nor captum's riemann_middle): its
error falls like 1 / steps instead of 1 / steps ** 2.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "the right Riemann rule"
REJECTED_BY = "test_integrated_gradients_match_captum"

solution = solution_for(__file__)


def integrated_gradients(model, x, target, baseline=None, steps=50):
    if steps < 1:
        raise ValueError("steps must be >= 1")
    x = x.detach()
    baseline = torch.zeros_like(x) if baseline is None else baseline.detach()
    if baseline.shape != x.shape:
        raise ValueError("baseline shape")
    total = torch.zeros_like(x)
    with solution._eval_mode(model):
        for k in range(steps):
            z = baseline + (k + 1) / steps * (x - baseline)
            total = total + solution._target_gradient(model, z, target)
    return (x - baseline) * total / steps
