"""Kata 50: mixed precision with torch.amp (autocast and GradScaler). See README.md."""

from collections.abc import Callable

import torch
from torch import Tensor, nn


def autocast_dtype(device: torch.device | str) -> torch.dtype:
    """The low-precision dtype autocast uses on `device` in this kata.

    device: a torch.device or a string such as "cpu", "cuda" or "cuda:1"; only its type
    matters. Returns torch.bfloat16 for "cpu" (CPU autocast's dtype; bfloat16 has float32's
    exponent range) and torch.float16 for "cuda" (float16's range is small, so it needs
    loss scaling). Raises ValueError for any other device type ("meta", "mps", ...).
    """
    # TODO: torch.device(device).type tells "cpu" from "cuda"; anything else is a ValueError
    raise NotImplementedError("TODO: autocast_dtype(device)")


def make_scaler(device: torch.device | str) -> torch.amp.GradScaler:
    """An enabled torch.amp.GradScaler for `device`'s type, with torch's default settings.

    device: a torch.device or a string; its type ("cpu" or "cuda") is the scaler's device.
    Defaults: init_scale 2**16, growth_factor 2.0, backoff_factor 0.5, growth_interval 2000.
    The scaler is enabled on both devices (on the CPU, so that its inf checks can be seen
    working without a GPU). Use torch.amp.GradScaler, never the deprecated
    torch.cuda.amp.GradScaler; creating the scaler must not raise a warning.
    """
    # TODO: torch.amp.GradScaler(...): what does its device argument default to?
    raise NotImplementedError("TODO: make_scaler(device)")


def autocast_forward(
    model: nn.Module,
    inputs: Tensor,
    targets: Tensor,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
) -> tuple[Tensor, Tensor]:
    """The forward pass and the loss, both inside torch.autocast for inputs' device.

    inputs: (B, ...) float32 on the model's device; targets: what loss_fn takes (float or
    long). Autocast runs with dtype autocast_dtype(inputs.device), around model(inputs)
    AND loss_fn(outputs, targets): autocast picks each op's dtype (matmuls in low precision,
    losses such as mse_loss and cross_entropy in float32). The model is not cast by hand:
    its parameters stay float32 (the master weights the optimizer updates). The autocast
    region has ended when the function returns (backward runs outside it).
    Returns (outputs, loss): outputs as autocast leaves them (bfloat16 on the CPU, float16
    on CUDA, for a model ending in nn.Linear) and the scalar loss as loss_fn returns it
    under autocast. inputs, targets and the model's parameters are not changed.
    """
    # TODO: `with torch.autocast(device_type, dtype=...)` around the forward pass and the loss
    raise NotImplementedError("TODO: autocast_forward(model, inputs, targets, loss_fn)")


def train_step(
    model: nn.Module,
    inputs: Tensor,
    targets: Tensor,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    optimizer: torch.optim.Optimizer,
    scaler: torch.amp.GradScaler,
    max_norm: float,
) -> tuple[float, bool]:
    """One mixed-precision optimisation step with loss scaling and gradient clipping.

    The forward pass and the loss run under autocast (autocast_forward); backward runs
    outside autocast, on the loss scaled by `scaler`. optimizer.step() must see this
    batch's gradients only (earlier .grad values are cleared first), unscaled, and clipped
    to total 2-norm max_norm (torch.nn.utils.clip_grad_norm_ may be used). When any
    gradient is inf or NaN the step is skipped: optimizer.step() does not run and the
    parameters are unchanged. The scaler is updated once per call: its scale is multiplied
    by its backoff_factor after a skipped step, and by its growth_factor after
    growth_interval steps in a row that were not skipped.
    Returns (loss, stepped): this batch's loss before the update as a Python float (inf or
    nan on a bad batch), and whether optimizer.step() ran, as a bool.
    """
    # TODO: zero_grad, autocast_forward, scaler.scale(loss).backward(), then unscale, clip,
    # step and update through the scaler: in which order? How can you tell a skipped step?
    raise NotImplementedError("TODO: train_step(...)")
