"""Mistake: BCELoss on torch.sigmoid(logits) instead of BCE-with-logits on the logits.

Equal for moderate logits, but sigmoid rounds large ones to exactly 0 or 1 and
binary_cross_entropy clamps each log at -100: the loss (and its gradient) is wrong there.
"""

import torch
import torch.nn.functional as F

CAUGHT_BY = "BCE on sigmoid outputs"
REJECTED_BY = "test_losses_are_exact_at_extreme_logits"


def discriminator_loss(real_logits, fake_logits):
    real_p, fake_p = torch.sigmoid(real_logits), torch.sigmoid(fake_logits)
    return F.binary_cross_entropy(real_p, torch.ones_like(real_p)) + F.binary_cross_entropy(
        fake_p, torch.zeros_like(fake_p)
    )


def generator_loss(fake_logits):
    fake_p = torch.sigmoid(fake_logits)
    return F.binary_cross_entropy(fake_p, torch.ones_like(fake_p))
