"""Mistake: a sigmoid on the logits, then BCE-with-logits (which applies its own sigmoid).

The probabilities are squashed twice: every loss lies between log 2 - 0.31 and log 2 + 0.31
or so, and the gradients are tiny.
"""

import torch
import torch.nn.functional as F

CAUGHT_BY = "sigmoid applied twice"
REJECTED_BY = "test_discriminator_loss_equals_the_formula"


def discriminator_loss(real_logits, fake_logits):
    real_p, fake_p = torch.sigmoid(real_logits), torch.sigmoid(fake_logits)
    return F.binary_cross_entropy_with_logits(
        real_p, torch.ones_like(real_p)
    ) + F.binary_cross_entropy_with_logits(fake_p, torch.zeros_like(fake_p))


def generator_loss(fake_logits):
    fake_p = torch.sigmoid(fake_logits)
    return F.binary_cross_entropy_with_logits(fake_p, torch.ones_like(fake_p))
