"""Mistake: PGD clips each step around the previous iterate instead of the original x.

Clamping x_k + step into [x_k - eps, x_k + eps] never binds (the step is alpha < eps), so
the iterates walk out of the eps-ball around x.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "around the previous iterate"
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
            stepped = x_adv + alpha * grad.sign()
            x_adv = torch.clamp(stepped, x_adv - eps, x_adv + eps).clamp(0, 1)
    return x_adv
