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
    # a generator is exhausted after one pass: read it once, use the list twice
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    with torch.no_grad():
        device = grads[0].device
        # the norm of the per-tensor norms is the norm of the concatenation (any p, inf too)
        norms = torch.stack([torch.linalg.vector_norm(g, norm_type).to(device) for g in grads])
        total_norm = torch.linalg.vector_norm(norms, norm_type)  # ()
        # 1e-6 keeps zero gradients finite; clamping keeps small gradients as they are
        coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
        for g in grads:
            g.mul_(coef.to(g.device))
    return total_norm


def clip_grad_value(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element into [-clip_value, clip_value], in place.

    parameters: one tensor, or any iterable of tensors (a generator included). A parameter
    whose .grad is None is skipped. Returns None, like torch.nn.utils.clip_grad_value_.
    Do not call torch.nn.utils.clip_grad_value_.
    """
    params = [parameters] if isinstance(parameters, Tensor) else parameters
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p.grad.clamp_(min=-clip_value, max=clip_value)


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
    optimizer.zero_grad()  # .grad accumulates: clear what earlier steps left
    outputs = model(inputs)
    loss = loss_fn(outputs, targets)
    loss.backward()
    # after backward (the gradients exist) and before step (which reads them)
    clip_grad_norm(model.parameters(), max_norm)
    optimizer.step()
    return loss.item()


def grad_norms(model: nn.Module) -> dict[str, float]:
    """Each parameter's gradient L2 norm, by name: where do gradients vanish or explode?

    Returns {name: norm} for the parameters of model.named_parameters(), in that order:
    norm is the L2 norm of that one parameter's .grad (one norm per parameter, not one for
    the whole model), as a Python float. A parameter whose .grad is None (frozen, or not
    used by the loss) is left out. Gradients of any shape and dtype; the gradients, the
    parameters and the model are left as they are.
    """
    # one norm per tensor (the global norm of clip_grad_norm hides which layer is at fault);
    # vector_norm reads any strides and computes in the gradient's own dtype
    return {
        name: torch.linalg.vector_norm(p.grad).item()
        for name, p in model.named_parameters()
        if p.grad is not None
    }


def diagnose(norms: dict[str, float], low: float, high: float) -> dict[str, list[str]]:
    """Name the parameters whose gradient norm is suspiciously small or large.

    norms: {name: norm}, as grad_norms returns it; it is not modified. Returns a new dict
    {"vanishing": [...], "exploding": [...]}, keys in that order: the names with
    norm < low and the names with norm > high, each list in the order of norms. Both
    bounds are strict: a norm exactly equal to low or to high is neither. low == 0 (nothing
    can vanish) and low == high are allowed. Raises ValueError if low or high is negative,
    or low > high, before looking at norms.
    """
    if low < 0 or high < 0:
        raise ValueError(f"diagnose: low={low} and high={high} must both be >= 0")
    if low > high:
        raise ValueError(f"diagnose: low={low} must be <= high={high}")
    # dicts keep insertion order, so both lists follow the model's named_parameters order
    return {
        "vanishing": [name for name, norm in norms.items() if norm < low],
        "exploding": [name for name, norm in norms.items() if norm > high],
    }
