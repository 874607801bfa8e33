"""Mistake: real and fake logits concatenated and averaged with one mean.

With equal batch sizes that halves the loss; with unequal ones it also weights the
larger batch more. The documented loss is the sum of one mean per batch.
"""

import torch
import torch.nn.functional as F

CAUGHT_BY = "each batch needs its own mean"
REJECTED_BY = "test_discriminator_loss_equals_the_formula"


def discriminator_loss(real_logits, fake_logits):
    logits = torch.cat([real_logits.flatten(), fake_logits.flatten()])
    labels = torch.cat([torch.ones(real_logits.numel()), torch.zeros(fake_logits.numel())])
    return F.binary_cross_entropy_with_logits(logits, labels.to(logits))
