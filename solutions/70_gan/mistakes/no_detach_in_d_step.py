"""Mistake: the discriminator step uses generator(noise) without .detach().

backward() of the discriminator's loss runs on into the generator and fills its .grad:
work wasted, and a generator step without zero_grad then climbs the discriminator's loss.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "not detached"
REJECTED_BY = "test_discriminator_step_leaves_the_generator_alone"

solution = solution_for(__file__)


def discriminator_step(generator, discriminator, d_optimizer, real, noise):
    d_optimizer.zero_grad()
    fake = generator(noise)
    loss = solution.discriminator_loss(discriminator(real), discriminator(fake))
    loss.backward()
    d_optimizer.step()
    return loss.item()
