"""Mistake: every PGD step has size eps instead of alpha.

Each step jumps to a corner of the ball and the projection throws most of it away:
PGD degenerates into repeated FGSM and finds weaker adversarial examples.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "instead of the step size alpha"
REJECTED_BY = "test_pgd_equals_the_reference_loop"

solution = solution_for(__file__)


def pgd(model, x, y, eps, alpha, steps, *, random_start=True, generator=None):
    solution._check(x, eps)
    if alpha <= 0 or steps < 0:
        raise ValueError("alpha must be > 0 and steps >= 0")
    x = x.detach()
    if random_start:
        delta = torch.empty(x.shape, dtype=x.dtype).uniform_(-eps, eps, generator=generator)
        x_adv = (x + delta.to(x.device)).clamp(0, 1)
    else:
        x_adv = x.clone()
    with solution._attack_mode(model):
        for _ in range(steps):
            grad = solution._input_gradient(model, x_adv, y)
            x_adv = torch.clamp(x_adv + eps * grad.sign(), x - eps, x + eps).clamp(0, 1)
    return x_adv
