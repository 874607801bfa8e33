"""Mistake: the input gradient taken with loss.backward().

backward() also accumulates into every parameter's .grad: a training step that called
zero_grad() before the attack then updates with the attack's gradients mixed in.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "accumulates gradients into the model's parameters"
REJECTED_BY = "test_fgsm_leaves_the_model_as_it_was"

solution = solution_for(__file__)


def fgsm(model, x, y, eps):
    solution._check(x, eps)
    with solution._attack_mode(model):
        x_adv = x.detach().clone().requires_grad_(True)
        F.cross_entropy(model(x_adv), y).backward()
        grad = x_adv.grad
    return (x.detach() + eps * grad.sign()).clamp(0, 1)
