"""Kata 41: gradient clipping from scratch. See README.md in this folder."""

from collections.abc import Callable, Iterable

import torch
from torch import Tensor, nn


def clip_grad_norm(
    parameters: Tensor | Iterable[Tensor], max_norm: float, norm_type: float = 2.0
) -> Tensor:
    """Scale all gradients together, in place, so that their total norm is at most max_norm.

    parameters: one tensor, or any iterable of tensors (a list, model.parameters(), a
    generator: it can be read only once). A parameter whose .grad is None is skipped.
    The total norm is the norm_type-norm of all the gradients seen as one long vector
    (norm_type 1, 2, 3.0, ..., or float("inf"): the largest absolute value). Every gradient
    is multiplied in place by min(max_norm / (total_norm + 1e-6), 1.0), exactly as
    torch.nn.utils.clip_grad_norm_ does, so gradients are never scaled up.
    Returns the total norm BEFORE clipping: a 0-d tensor of the gradients' dtype, on the
    first gradient's device. With no gradients at all, returns torch.tensor(0.0) and
    changes nothing. Do not call torch.nn.utils.clip_grad_norm_ (or its helpers).
    """
    # TODO: list() the parameters once, skip None grads, total norm of the per-tensor norms,
    # then multiply every grad in place by the clamped coefficient
    raise NotImplementedError("TODO: clip_grad_norm(parameters, max_norm, norm_type)")


def clip_grad_value(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element into [-clip_value, clip_value], in place.

    parameters: one tensor, or any iterable of tensors (a generator included). A parameter
    whose .grad is None is skipped. Returns None, like torch.nn.utils.clip_grad_value_.
    Do not call torch.nn.utils.clip_grad_value_.
    """
    # TODO: clamp_ each existing .grad into [-clip_value, clip_value]
    raise NotImplementedError("TODO: clip_grad_value(parameters, clip_value)")


def train_step(
    model: nn.Module,
    inputs: Tensor,
    targets: Tensor,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    optimizer: torch.optim.Optimizer,
    max_norm: float,
) -> float:
    """One optimisation step on one batch, with the gradients clipped to total norm max_norm.

    loss_fn(model(inputs), targets) gives a scalar loss. optimizer.step() must see this
    batch's gradients only (anything left in .grad by earlier code is cleared first),
    already clipped with your clip_grad_norm (norm type 2). optimizer.step() is called
    exactly once. Returns the loss of this batch, before the update, as a Python float.
    """
    # TODO: the usual step (zero_grad, forward, loss, backward, step) plus clip_grad_norm:
    # between which two calls does clipping belong?
    raise NotImplementedError("TODO: train_step(...)")


def grad_norms(model: nn.Module) -> dict[str, float]:
    """Each parameter's gradient L2 norm, by name: where do gradients vanish or explode?

    Returns {name: norm} for the parameters of model.named_parameters(), in that order:
    norm is the L2 norm of that one parameter's .grad (one norm per parameter, not one for
    the whole model), as a Python float. A parameter whose .grad is None (frozen, or not
    used by the loss) is left out. Gradients of any shape and dtype; the gradients, the
    parameters and the model are left as they are.
    """
    # TODO: for each (name, p) in model.named_parameters() with a .grad, the norm of p.grad
    # alone, as a float
    raise NotImplementedError("TODO: grad_norms(model)")


def diagnose(norms: dict[str, float], low: float, high: float) -> dict[str, list[str]]:
    """Name the parameters whose gradient norm is suspiciously small or large.

    norms: {name: norm}, as grad_norms returns it; it is not modified. Returns a new dict
    {"vanishing": [...], "exploding": [...]}, keys in that order: the names with
    norm < low and the names with norm > high, each list in the order of norms. Both
    bounds are strict: a norm exactly equal to low or to high is neither. low == 0 (nothing
    can vanish) and low == high are allowed. Raises ValueError if low or high is negative,
    or low > high, before looking at norms.
    """
    # TODO: check the bounds, then two strict comparisons per name, in the order of norms
    raise NotImplementedError("TODO: diagnose(norms, low, high)")
