"""Mistake: the interpolation points as torch.linspace(0, 1, steps).

It includes both ends of the path with equal weight: neither a midpoint, left nor right
rule, off by one in the spacing (1 / (steps - 1)); it converges only like 1 / steps and
breaks at steps = 1 (only alpha = 0).
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "the wrong interpolation points (off by one)"
REJECTED_BY = "test_integrated_gradients_equal_the_midpoint_rule"

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
        for alpha in torch.linspace(0, 1, steps).tolist():
            total = total + solution._target_gradient(
                model, baseline + alpha * (x - baseline), target
            )
    return (x - baseline) * total / steps
