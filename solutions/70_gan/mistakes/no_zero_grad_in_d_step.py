"""Mistake: the discriminator step has no d_optimizer.zero_grad().

The generator step's backward ran through the discriminator and left gradients in its
.grad; without zero_grad the discriminator also steps on those.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "stale gradients"
REJECTED_BY = "test_discriminator_step_clears_stale_gradients"

solution = solution_for(__file__)


def discriminator_step(generator, discriminator, d_optimizer, real, noise):
    fake = generator(noise).detach()
    loss = solution.discriminator_loss(discriminator(real), discriminator(fake))
    loss.backward()
    d_optimizer.step()
    return loss.item()
