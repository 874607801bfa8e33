"""Mistake: the generator step has no g_optimizer.zero_grad().

Every generator step then also applies all earlier steps' gradients (and whatever a
discriminator step without detach wrote into the generator).
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "stale gradients"
REJECTED_BY = "test_generator_step_clears_stale_gradients"

solution = solution_for(__file__)


def generator_step(generator, discriminator, g_optimizer, noise):
    loss = solution.generator_loss(discriminator(generator(noise)))
    loss.backward()
    g_optimizer.step()
    return loss.item()
