"""Mistake: the discriminator's targets swapped: real labelled 0 and fake labelled 1.

Training still runs and the losses look like a GAN's; the discriminator just learns to
call the fakes real.
"""

import torch
import torch.nn.functional as F

CAUGHT_BY = "labels swapped"
REJECTED_BY = "test_discriminator_loss_equals_the_formula"


def discriminator_loss(real_logits, fake_logits):
    real_loss = F.binary_cross_entropy_with_logits(real_logits, torch.zeros_like(real_logits))
    fake_loss = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
    return real_loss + fake_loss
