"""Kata 72: FGSM and PGD attacks, and one adversarial training step. See README.md here."""

import contextlib
from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import Tensor, nn


@contextlib.contextmanager
def _attack_mode(model: nn.Module) -> Iterator[None]:
    """eval() for the attack, then every submodule's own training flag back as it was."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training


def _check(x: Tensor, eps: float) -> None:
    if eps < 0:
        raise ValueError(f"eps must be >= 0, got {eps}")
    x = x.detach()
    if x.numel() and (x.min() < 0 or x.max() > 1):
        raise ValueError(
            f"x must lie in the valid range [0, 1]; it spans [{x.min().item():.3g}, "
            f"{x.max().item():.3g}]"
        )


def _input_gradient(model: nn.Module, x: Tensor, y: Tensor) -> Tensor:
    """d cross_entropy(model(x), y) / dx, without writing any parameter's .grad."""
    x = x.detach().requires_grad_(True)
    loss = F.cross_entropy(model(x), y)
    (grad,) = torch.autograd.grad(loss, x)  # only x: the parameters' .grad stay untouched
    return grad


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
    _check(x, eps)
    with _attack_mode(model):
        grad = _input_gradient(model, x, y)
    return (x.detach() + eps * grad.sign()).clamp(0, 1)


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
    _check(x, eps)
    if alpha <= 0:
        raise ValueError(f"alpha (the step size) must be > 0, got {alpha}")
    if steps < 0:
        raise ValueError(f"steps must be >= 0, got {steps}")
    x = x.detach()
    lower, upper = x - eps, x + eps  # the ball around the original x, not the iterate
    if random_start:
        delta = torch.empty(x.shape, dtype=x.dtype).uniform_(-eps, eps, generator=generator)
        x_adv = (x + delta.to(x.device)).clamp(0, 1)
    else:
        x_adv = x.clone()
    with _attack_mode(model):
        for _ in range(steps):
            grad = _input_gradient(model, x_adv, y)
            x_adv = x_adv + alpha * grad.sign()
            x_adv = torch.clamp(x_adv, lower, upper).clamp(0, 1)
    return x_adv


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
    x_adv = pgd(model, x, y, eps, alpha, steps, random_start=True, generator=generator)
    optimizer.zero_grad()  # after the attack, so nothing from it can reach the update
    loss = F.cross_entropy(model(x_adv), y)
    loss.backward()
    optimizer.step()
    return loss.item()
