"""Mistake: zero_grad() before the attack, with an attack that calls loss.backward().

The attack's backward passes fill the parameters' .grad, and the update then applies
those gradients as well as the training loss's.
"""

import torch
import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "zero_grad before the attack"
REJECTED_BY = "test_adversarial_train_step_equals_a_reference_step"

solution = solution_for(__file__)


def _input_gradient(model, x, y):
    x = x.detach().requires_grad_(True)
    F.cross_entropy(model(x), y).backward()
    return x.grad


def adversarial_train_step(model, x, y, optimizer, eps, alpha, steps, generator=None):
    optimizer.zero_grad()
    x = x.detach()
    delta = torch.empty(x.shape, dtype=x.dtype).uniform_(-eps, eps, generator=generator)
    x_adv = (x + delta.to(x.device)).clamp(0, 1)
    with solution._attack_mode(model):
        for _ in range(steps):
            grad = _input_gradient(model, x_adv, y)
            x_adv = torch.clamp(x_adv + alpha * grad.sign(), x - eps, x + eps).clamp(0, 1)
    loss = F.cross_entropy(model(x_adv), y)
    loss.backward()
    optimizer.step()
    return loss.item()
