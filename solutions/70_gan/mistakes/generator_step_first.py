"""Mistake: the generator step before the discriminator step.

The documented iteration (as in DCGAN) updates the discriminator first and lets the
generator answer the updated one; the other order trains against a stale discriminator.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "wrong order"
REJECTED_BY = "test_train_step_equals_the_two_reference_steps"

solution = solution_for(__file__)


def train_step(generator, discriminator, g_optimizer, d_optimizer, real, noise):
    g_loss = solution.generator_step(generator, discriminator, g_optimizer, noise)
    d_loss = solution.discriminator_step(generator, discriminator, d_optimizer, real, noise)
    return d_loss, g_loss
