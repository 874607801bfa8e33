"""Kata 81: saliency maps and integrated gradients from scratch. See README.md in this folder."""

import contextlib
from collections.abc import Iterator

import torch
from torch import Tensor, nn


@contextlib.contextmanager
def _eval_mode(model: nn.Module) -> Iterator[None]:
    """eval() for the attribution, then every submodule's own training flag back."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield
    finally:
        for module, training in modes:
            module.training = training


def _targets(target: int | Tensor, batch: int, classes: int, device: torch.device) -> Tensor:
    """The target class of every sample as a (B,) long tensor; ValueError when invalid."""
    if isinstance(target, Tensor):
        if target.shape != (batch,):
            raise ValueError(
                f"a target tensor must have shape (B,) = ({batch},), got {tuple(target.shape)}"
            )
        t = target.to(device=device, dtype=torch.long)
    else:
        t = torch.full((batch,), int(target), dtype=torch.long, device=device)
    if batch and (t.min() < 0 or t.max() >= classes):
        raise ValueError(f"target classes must lie in [0, {classes}), got {t.tolist()}")
    return t


def _target_gradient(model: nn.Module, inputs: Tensor, target: int | Tensor) -> Tensor:
    """d model(inputs)[i, target_i] / d inputs_i for every row i (model already in eval)."""
    inputs = inputs.detach().requires_grad_(True)
    logits = model(inputs)  # (B, C)
    t = _targets(target, inputs.shape[0], logits.shape[1], logits.device)
    chosen = logits.gather(1, t[:, None]).sum()  # rows are independent: one backward for all
    (grad,) = torch.autograd.grad(chosen, inputs)  # only the input: parameters' .grad untouched
    return grad


def saliency(model: nn.Module, x: Tensor, target: int | Tensor, *, absolute: bool = True) -> Tensor:
    """The saliency map: the gradient of the target class's logit with respect to the input.

    model: a classifier returning logits (B, C); x: (B, ...) float inputs; target: one
    class index for every sample (an int) or a (B,) long tensor, one per sample. Returns
        | d model(x)[i, target_i] / d x[i] |      (absolute=True, the default)
    or the signed gradient (absolute=False): the gradient of the TARGET logit alone, not of
    the whole output. Shape, dtype and device of x; detached. Computed in eval mode (dropout
    off, batch norm on its running statistics), so each row depends on its own sample
    only; afterwards every submodule's training flag is as it was. The parameters receive
    no gradient (their .grad is unchanged) and x is not modified (values, .grad,
    requires_grad). Raises ValueError when a target lies outside [0, C) or a target tensor
    is not (B,).
    """
    with _eval_mode(model):
        grad = _target_gradient(model, x, target)
    return grad.abs() if absolute else grad


def integrated_gradients(
    model: nn.Module,
    x: Tensor,
    target: int | Tensor,
    baseline: Tensor | None = None,
    steps: int = 50,
) -> Tensor:
    """Integrated gradients (Sundararajan et al. 2017), by the midpoint Riemann rule.

    Same model, x and target as saliency. baseline: a tensor of x's shape, or None for
    zeros. With alpha_k = (k + 0.5) / steps for k = 0, ..., steps - 1 (the midpoints of
    steps equal slices of [0, 1]) and g(z) the signed gradient of the target logit at z,
        IG = (x - baseline) * (1 / steps) * sum_k g(baseline + alpha_k * (x - baseline))
    which is captum's IntegratedGradients with method="riemann_middle", n_steps=steps.
    The attributions of sample i sum to about model(x)[i, t_i] - model(baseline)[i, t_i]
    (completeness), the error falling like 1 / steps ** 2 for a smooth model. Returns the
    attributions of x (not of the baseline): shape, dtype and device of x, detached.
    Computed in eval mode like saliency; the parameters receive no gradient and x and
    baseline are not modified. Raises ValueError when steps < 1, baseline's shape is not
    x's, or as saliency does.
    """
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    x = x.detach()
    if baseline is None:
        baseline = torch.zeros_like(x)
    elif baseline.shape != x.shape:
        raise ValueError(
            f"baseline must have x's shape {tuple(x.shape)}, got {tuple(baseline.shape)}"
        )
    baseline = baseline.detach().to(x.dtype)
    batch = x.shape[0]
    alphas = (torch.arange(steps, dtype=x.dtype, device=x.device) + 0.5) / steps  # midpoints
    alphas = alphas.view(steps, 1, *([1] * (x.dim() - 1)))  # (steps, 1, 1, ...)
    path = baseline + alphas * (x - baseline)  # (steps, B, ...): every point of the path
    path = path.reshape(steps * batch, *x.shape[1:])
    if isinstance(target, Tensor):
        if target.shape != (batch,):
            raise ValueError(
                f"a target tensor must have shape (B,) = ({batch},), got {tuple(target.shape)}"
            )
        target = target.repeat(steps)  # sample i's class at every step of the path
    with _eval_mode(model):
        grads = _target_gradient(model, path, target)  # (steps * B, ...)
    mean_grad = grads.reshape(steps, *x.shape).mean(dim=0)  # (B, ...)
    return (x - baseline) * mean_grad  # the attributions of x, not of the baseline


def completeness_gap(
    model: nn.Module,
    x: Tensor,
    target: int | Tensor,
    attributions: Tensor,
    baseline: Tensor | None = None,
) -> Tensor:
    """How far attributions are from completeness, per sample (captum's convergence delta).

    Same model, x, target and baseline (None: zeros) as integrated_gradients;
    attributions: x's shape. Returns a (B,) tensor of x's dtype and device:
        gap[i] = attributions[i].sum() - (model(x)[i, t_i] - model(baseline)[i, t_i])
    with the model in eval mode (modes restored afterwards) and no graph (detached). Zero
    for exact attributions. Nothing is modified. Raises ValueError when attributions or
    baseline does not have x's shape, or as saliency does.
    """
    if attributions.shape != x.shape:
        raise ValueError(
            f"attributions must have x's shape {tuple(x.shape)}, got {tuple(attributions.shape)}"
        )
    if baseline is None:
        baseline = torch.zeros_like(x)
    elif baseline.shape != x.shape:
        raise ValueError(
            f"baseline must have x's shape {tuple(x.shape)}, got {tuple(baseline.shape)}"
        )
    with _eval_mode(model), torch.no_grad():
        logits_x, logits_b = model(x.detach()), model(baseline.detach().to(x.dtype))
        t = _targets(target, x.shape[0], logits_x.shape[1], logits_x.device)
        change = (logits_x - logits_b).gather(1, t[:, None]).squeeze(1)  # (B,)
        return attributions.detach().flatten(1).sum(dim=1).to(change.dtype) - change
