"""Mistake: the adversarial example returned with its graph (x_adv requires grad).

The training step's backward then runs through the attack's graph as well: wasted memory
and time, and gradients flowing into whatever x_adv was built from.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "was not detached"
REJECTED_BY = "test_fgsm_stays_in_the_ball_and_in_range"

solution = solution_for(__file__)


def fgsm(model, x, y, eps):
    solution._check(x, eps)
    with solution._attack_mode(model):
        x_adv = x.detach().clone().requires_grad_(True)
        loss = F.cross_entropy(model(x_adv), y)
        (grad,) = solution.torch.autograd.grad(loss, x_adv)
    return (x_adv + eps * grad.sign()).clamp(0, 1)
