"""Mistake: saliency as the gradient of the whole output, model(x).sum().

That mixes every class's logit: the map shows what moves any logit, not what supports
the class being explained.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "the gradient of the whole output"
REJECTED_BY = "test_saliency_is_the_target_logits_gradient"

solution = solution_for(__file__)


def saliency(model, x, target, *, absolute=True):
    with solution._eval_mode(model):
        z = x.detach().requires_grad_(True)
        logits = model(z)
        solution._targets(target, x.shape[0], logits.shape[1], logits.device)
        (grad,) = torch.autograd.grad(logits.sum(), z)
    return grad.abs() if absolute else grad
