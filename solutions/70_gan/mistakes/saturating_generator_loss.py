"""Mistake: the generator minimises log(1 - D(G(z))), the minimax paper's formula.

Its gradient vanishes exactly when the discriminator confidently rejects the fakes (early
training), so the generator barely learns; the non-saturating -log D(G(z)) does not.
"""

import torch.nn.functional as F

CAUGHT_BY = "saturating loss"
REJECTED_BY = "test_generator_loss_is_the_non_saturating_formula"


def generator_loss(fake_logits):
    return -F.softplus(fake_logits).mean()  # = mean(log(1 - sigmoid(fake_logits)))
