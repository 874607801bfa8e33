"""Mistake: the attack runs in whatever mode the model is in, usually train.

Dropout makes the gradient random, batch norm uses the attack batch's statistics and
updates its running statistics with adversarial data.
"""

import torch
import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "attacking in train mode"
REJECTED_BY = "test_fgsm_leaves_the_model_as_it_was"

solution = solution_for(__file__)


def _gradient(model, x, y):
    x = x.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(F.cross_entropy(model(x), y), x)
    return grad


def fgsm(model, x, y, eps):
    solution._check(x, eps)
    return (x.detach() + eps * _gradient(model, x, y).sign()).clamp(0, 1)
