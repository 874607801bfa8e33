"""Mistake: one backward of d_loss + g_loss, then both optimizers step.

Each network then also follows the other's loss: the discriminator gets gradients that
help the generator and the generator (no detach) gets gradients that help the
discriminator.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "one backward of d_loss + g_loss"
REJECTED_BY = "test_train_step_equals_the_two_reference_steps"

solution = solution_for(__file__)


def train_step(generator, discriminator, g_optimizer, d_optimizer, real, noise):
    d_optimizer.zero_grad()
    g_optimizer.zero_grad()
    fake = generator(noise)
    d_loss = solution.discriminator_loss(discriminator(real), discriminator(fake))
    g_loss = solution.generator_loss(discriminator(fake))
    (d_loss + g_loss).backward()
    d_optimizer.step()
    g_optimizer.step()
    return d_loss.item(), g_loss.item()
