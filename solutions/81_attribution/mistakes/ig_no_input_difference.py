"""Mistake: integrated gradients without the (x - baseline) factor.

The average gradient along the path is returned: it has the right shape and looks like
a smoothed saliency map, but it no longer sums to the change in the output.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "the (x - baseline) factor is missing"
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
        for k in range(steps):
            z = baseline + (k + 0.5) / steps * (x - baseline)
            total = total + solution._target_gradient(model, z, target)
    return total / steps
