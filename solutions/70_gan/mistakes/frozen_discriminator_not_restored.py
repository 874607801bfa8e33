"""Mistake: the generator step freezes the discriminator with requires_grad_(False), and
never unfreezes it.

A valid way to save work, but the next discriminator step then has no gradients at all:
the discriminator silently stops learning.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "not restoring it"
REJECTED_BY = "test_generator_step_changes_no_discriminator_parameter"

solution = solution_for(__file__)


def generator_step(generator, discriminator, g_optimizer, noise):
    discriminator.requires_grad_(False)
    g_optimizer.zero_grad()
    loss = solution.generator_loss(discriminator(generator(noise)))
    loss.backward()
    g_optimizer.step()
    return loss.item()
