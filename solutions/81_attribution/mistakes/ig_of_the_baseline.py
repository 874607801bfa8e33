"""Mistake: the path walked from x to the baseline, multiplied by (baseline - x).

These are the baseline's attributions relative to x: every sign is flipped, and they sum
to model(baseline) - model(x).
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "the attributions of the baseline instead of the input"
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
            z = x + (k + 0.5) / steps * (baseline - x)
            total = total + solution._target_gradient(model, z, target)
    return (baseline - x) * total / steps
