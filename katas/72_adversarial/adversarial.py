"""Kata 72: FGSM and PGD attacks, and one adversarial training step. See README.md here."""

import torch
from torch import Tensor, nn


def fgsm(model: nn.Module, x: Tensor, y: Tensor, eps: float) -> Tensor:
    """The fast gradient sign method: one step of size eps up the loss, in the L-inf norm.

    model: a classifier returning logits (B, C); x: inputs (B, ...) float with every value
    in [0, 1]; y: (B,) long labels. With g the gradient of F.cross_entropy(model(x), y)
    (mean over the batch) with respect to x, returns
        x_adv = clamp(x + eps * sign(g), 0, 1)
    a new tensor of x's shape, dtype and device, detached (no graph, requires_grad False).
    The gradient is taken with the model in eval mode (dropout off, batch norm on its
    running statistics, which are not updated); afterwards every submodule's training
    flag is as it was. The model's parameters are unchanged and receive no gradient
    (their .grad stays as it was: None stays None). x is not modified (values, .grad,
    requires_grad). Raises ValueError when eps < 0 or x has values outside [0, 1].
    """
    # TODO: check the arguments; in eval mode, the gradient of the loss with respect to a
    # detached copy of x (torch.autograd.grad: no parameter .grad), one signed step, clamp;
    # restore every submodule's mode
    raise NotImplementedError("TODO: fgsm(model, x, y, eps)")


def pgd(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    eps: float,
    alpha: float,
    steps: int,
    *,
    random_start: bool = True,
    generator: torch.Generator | None = None,
) -> Tensor:
    """Projected gradient descent on the loss (an L-inf attack of radius eps around x).

    Same model, x, y and loss as fgsm. The start is x itself when random_start is False,
    else x_0 = clamp(x + delta, 0, 1) with
        delta = torch.empty(x.shape, dtype=x.dtype).uniform_(-eps, eps, generator=generator)
    drawn on the CPU (generator is a CPU torch.Generator, or None for torch's global one)
    and then moved to x's device. Then `steps` times, with g the loss's gradient at x_k:
        x_{k+1} = clamp(clamp(x_k + alpha * sign(g), x - eps, x + eps), 0, 1)
    that is, a step of size alpha, then the projection back into the eps-ball around the
    ORIGINAL x, then into [0, 1], after every step. Returns x_steps (x_0 when steps is 0):
    a new detached tensor, with |x_adv - x| <= eps everywhere. Model modes, parameters,
    their .grad and x are left exactly as fgsm leaves them. Raises ValueError when eps < 0,
    alpha <= 0, steps < 0, or x has values outside [0, 1].
    """
    # TODO: the start (x, or x plus uniform noise from the generator), then steps of size
    # alpha, each followed by the projection around the ORIGINAL x and the clamp to [0, 1]
    raise NotImplementedError(
        "TODO: pgd(model, x, y, eps, alpha, steps, random_start=..., generator=...)"
    )


def adversarial_train_step(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    optimizer: torch.optim.Optimizer,
    eps: float,
    alpha: float,
    steps: int,
    generator: torch.Generator | None = None,
) -> float:
    """One step of adversarial training (Madry et al.): train on PGD examples, not on x.

    x_adv = pgd(model, x, y, eps, alpha, steps, random_start=True, generator=generator);
    then, in the mode the caller left the model in (normally train), clear the gradients,
    compute F.cross_entropy(model(x_adv), y), backpropagate and call optimizer.step()
    exactly once. The optimizer sees only this loss's gradients. x and y are not modified.
    Returns the adversarial loss before the update, as a Python float.
    """
    # TODO: attack first, then the usual step on x_adv: where does zero_grad go?
    raise NotImplementedError(
        "TODO: adversarial_train_step(model, x, y, optimizer, eps, alpha, steps, generator)"
    )
