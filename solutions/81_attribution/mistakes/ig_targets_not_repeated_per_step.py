"""Mistake: the batched path of steps * B inputs gets the targets of ONE batch, tiled wrongly.

torch.repeat_interleave puts sample 0's class on the first `steps` rows, but the path is
laid out step by step (B rows per step): classes land on the wrong samples.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "sample i's target class must follow it"
REJECTED_BY = "test_integrated_gradients_are_per_sample"

solution = solution_for(__file__)


def integrated_gradients(model, x, target, baseline=None, steps=50):
    if steps < 1:
        raise ValueError("steps must be >= 1")
    x = x.detach()
    baseline = torch.zeros_like(x) if baseline is None else baseline.detach()
    if baseline.shape != x.shape:
        raise ValueError("baseline shape")
    batch = x.shape[0]
    alphas = (torch.arange(steps, dtype=x.dtype, device=x.device) + 0.5) / steps
    alphas = alphas.view(steps, 1, *([1] * (x.dim() - 1)))
    path = (baseline + alphas * (x - baseline)).reshape(steps * batch, *x.shape[1:])
    if isinstance(target, torch.Tensor):
        if target.shape != (batch,):
            raise ValueError("target shape")
        target = target.repeat_interleave(steps)
    with solution._eval_mode(model):
        grads = solution._target_gradient(model, path, target)
    return (x - baseline) * grads.reshape(steps, *x.shape).mean(dim=0)
