"""Mistake: PGD steps and clamps to [0, 1], but never projects back into the eps-ball.

After steps * alpha > eps the perturbation leaves the threat model: the attack reports
robustness numbers for a larger eps than the one asked for.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "no projection"
REJECTED_BY = "test_pgd_equals_the_reference_loop"

solution = solution_for(__file__)


def pgd(model, x, y, eps, alpha, steps, *, random_start=True, generator=None):
    solution._check(x, eps)
    x = x.detach()
    if random_start:
        delta = torch.empty(x.shape, dtype=x.dtype).uniform_(-eps, eps, generator=generator)
        x_adv = (x + delta.to(x.device)).clamp(0, 1)
    else:
        x_adv = x.clone()
    with solution._attack_mode(model):
        for _ in range(steps):
            grad = solution._input_gradient(model, x_adv, y)
            x_adv = (x_adv + alpha * grad.sign()).clamp(0, 1)
    return x_adv
