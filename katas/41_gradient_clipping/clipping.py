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
