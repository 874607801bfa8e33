"""Mistake: targets checked only against the upper bound.

A target of -1 is a legal index: it silently explains the last class.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "a negative index would silently pick the last class"
REJECTED_BY = "test_saliency_rejects_bad_targets"

solution = solution_for(__file__)


def saliency(model, x, target, *, absolute=True):
    with solution._eval_mode(model):
        z = x.detach().requires_grad_(True)
        logits = model(z)
        if isinstance(target, torch.Tensor):
            if target.shape != (x.shape[0],):
                raise ValueError("target shape")
            t = target
        else:
            t = torch.full((x.shape[0],), target, device=logits.device)
        if t.max() >= logits.shape[1]:
            raise ValueError("target out of range")
        (grad,) = torch.autograd.grad(logits.gather(1, t[:, None] % logits.shape[1]).sum(), z)
    return grad.abs() if absolute else grad
