"""Kata 70: one GAN training step, with detach in the right place. See README.md here."""

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def discriminator_loss(real_logits: Tensor, fake_logits: Tensor) -> Tensor:
    """The discriminator's loss on raw logits: real samples labelled 1, fake ones 0.

    real_logits: (B_real, ...) and fake_logits: (B_fake, ...), the discriminator's outputs
    before any sigmoid, any shapes (the batch sizes may differ), the same float dtype.
    Returns the 0-d tensor
        BCE-with-logits(real_logits, 1).mean() + BCE-with-logits(fake_logits, 0).mean()
    = mean(-log sigmoid(real_logits)) + mean(-log(1 - sigmoid(fake_logits))),
    each mean over its own batch. Finite and exact for any finite logits (never a sigmoid
    followed by a log). Carries the graph of both inputs; neither is modified.
    """
    real_loss = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
    fake_loss = F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    return real_loss + fake_loss


def generator_loss(fake_logits: Tensor) -> Tensor:
    """The non-saturating generator loss: BCE-with-logits(fake_logits, 1).mean().

    fake_logits: the discriminator's logits for generated samples, any shape. Returns the
    0-d tensor mean(-log sigmoid(fake_logits)): large gradients while the discriminator
    still rejects the fakes (unlike the saturating mean(log(1 - sigmoid(fake_logits)))).
    Finite and exact for any finite logits; carries the graph; the input is not modified.
    """
    return F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))


def discriminator_step(
    generator: nn.Module,
    discriminator: nn.Module,
    d_optimizer: torch.optim.Optimizer,
    real: Tensor,
    noise: Tensor,
) -> float:
    """One update of the discriminator on a real batch and the fakes generator(noise).

    real: (B_real, ...) data; noise: (B_fake, Z) the generator's input; the discriminator
    returns logits. Clears the discriminator's old gradients, computes
    discriminator_loss(discriminator(real), discriminator(fake)) with the fakes detached
    from the generator, backpropagates and calls d_optimizer.step() exactly once.
    The generator is untouched: its parameters, their requires_grad flags and their .grad
    (None stays None) are exactly as before. real and noise are not modified.
    Returns the discriminator's loss before the update, as a Python float.
    """
    d_optimizer.zero_grad()  # the last generator step wrote gradients into D's .grad
    fake = generator(noise).detach()  # no graph back into G: its .grad stays untouched
    loss = discriminator_loss(discriminator(real), discriminator(fake))
    loss.backward()
    d_optimizer.step()
    return loss.item()


def generator_step(
    generator: nn.Module,
    discriminator: nn.Module,
    g_optimizer: torch.optim.Optimizer,
    noise: Tensor,
) -> float:
    """One update of the generator: make discriminator(generator(noise)) look real.

    Clears the generator's old gradients, computes
    generator_loss(discriminator(generator(noise))), backpropagates through the
    discriminator into the generator and calls g_optimizer.step() exactly once (g_optimizer
    holds only the generator's parameters). The discriminator's parameters and their
    requires_grad flags are exactly as before (its .grad may be written: the next
    discriminator step clears it). noise is not modified.
    Returns the generator's loss before the update, as a Python float.
    """
    g_optimizer.zero_grad()  # the last discriminator step may have left G gradients
    loss = generator_loss(discriminator(generator(noise)))
    loss.backward()
    g_optimizer.step()
    return loss.item()


def train_step(
    generator: nn.Module,
    discriminator: nn.Module,
    g_optimizer: torch.optim.Optimizer,
    d_optimizer: torch.optim.Optimizer,
    real: Tensor,
    noise: Tensor,
) -> tuple[float, float]:
    """One GAN iteration: discriminator_step, then generator_step on the same noise.

    The generator step sees the discriminator as just updated. Each optimizer steps
    exactly once, each on its own loss's gradients only. Returns (d_loss, g_loss), the
    two losses as returned by the two steps (Python floats).
    """
    d_loss = discriminator_step(generator, discriminator, d_optimizer, real, noise)
    g_loss = generator_step(generator, discriminator, g_optimizer, noise)
    return d_loss, g_loss
