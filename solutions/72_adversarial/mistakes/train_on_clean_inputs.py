"""Mistake: the adversarial training step computes the attack, then trains on x anyway.

The model is trained exactly as without the attack (at the attack's cost): no robustness,
and the loss curve looks perfectly normal.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "training on the clean x"
REJECTED_BY = "test_adversarial_train_step_equals_a_reference_step"

solution = solution_for(__file__)


def adversarial_train_step(model, x, y, optimizer, eps, alpha, steps, generator=None):
    solution.pgd(model, x, y, eps, alpha, steps, random_start=True, generator=generator)
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()
