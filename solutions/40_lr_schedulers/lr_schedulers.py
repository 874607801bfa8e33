"""Kata 40: learning-rate schedules in closed form, and a loop that steps them right.

See README.md in this folder. Steps and epochs count from 0: "epoch 0" is the first epoch,
"step 0" the first optimizer step. Every closed form below equals what the named
torch.optim.lr_scheduler class sets, to 1e-9.
"""

import math
from collections.abc import Callable, Iterable

import torch
from torch import Tensor, nn


def step_lr(base_lr: float, step_size: int, gamma: float, epoch: int) -> float:
    """The learning rate of epoch `epoch` under StepLR(optimizer, step_size, gamma).

    The rate is multiplied by gamma every step_size epochs: base_lr * gamma ** (epoch //
    step_size). Raises ValueError when step_size < 1 or epoch < 0.
    """
    if step_size < 1:
        raise ValueError(f"step_size must be at least 1, got {step_size}")
    if epoch < 0:
        raise ValueError(f"epoch must be >= 0, got {epoch}")
    return base_lr * gamma ** (epoch // step_size)


def cosine_lr(base_lr: float, T_max: int, epoch: int, eta_min: float = 0.0) -> float:
    """The learning rate of epoch `epoch` under CosineAnnealingLR(optimizer, T_max, eta_min).

    eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2: base_lr at epoch 0,
    eta_min (not 0) at epoch T_max; past T_max the cosine goes on (the rate rises again),
    as torch's scheduler does. Raises ValueError when T_max < 1 or epoch < 0.
    """
    if T_max < 1:
        raise ValueError(f"T_max must be at least 1, got {T_max}")
    if epoch < 0:
        raise ValueError(f"epoch must be >= 0, got {epoch}")
    return eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * epoch / T_max)) / 2


def one_cycle_lr(
    max_lr: float,
    total_steps: int,
    step: int,
    pct_start: float = 0.3,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> float:
    """The learning rate of optimizer step `step` under OneCycleLR (cosine, two phases).

    As OneCycleLR(optimizer, max_lr, total_steps, pct_start, anneal_strategy="cos",
    div_factor, final_div_factor, three_phase=False), in two phases:
        phase 1, a = 0 to b = pct_start * total_steps - 1 (a float): initial -> max_lr
        phase 2, a = that b to b = total_steps - 1 (the LAST step):  max_lr -> min
    with initial = max_lr / div_factor and min = initial / final_div_factor. A step is in
    phase 1 when step <= phase 1's b. Within a phase going from lr_a to lr_b, with
    pct = (step - a) / (b - a): lr_b + (lr_a - lr_b) * (1 + cos(pi * pct)) / 2.
    Raises ValueError when step is outside [0, total_steps) or total_steps < 2.
    """
    if total_steps < 2:
        raise ValueError(f"total_steps must be at least 2, got {total_steps}")
    if not 0 <= step < total_steps:
        raise ValueError(f"step {step} is outside [0, {total_steps})")
    initial = max_lr / div_factor
    minimum = initial / final_div_factor
    peak = float(pct_start * total_steps) - 1  # the step where max_lr is reached
    if step <= peak:
        a, b, lr_a, lr_b = 0.0, peak, initial, max_lr
    else:
        a, b, lr_a, lr_b = peak, total_steps - 1, max_lr, minimum  # ends at the LAST step
    pct = (step - a) / (b - a)
    return lr_b + (lr_a - lr_b) * (1 + math.cos(math.pi * pct)) / 2


def warmup_cosine(
    warmup_steps: int, total_steps: int, min_factor: float = 0.0
) -> Callable[[int], float]:
    """A lr_lambda for torch.optim.lr_scheduler.LambdaLR: linear warmup, then cosine decay.

    The returned function f gives the factor of the base lr used by optimizer step s
    (LambdaLR calls f(0) when it is built, then f(1), f(2), ... after each scheduler.step()).
    With w = max(warmup_steps, 1), the number of steps up to and including the peak:
        s < w:      f(s) = (s + 1) / w                   (f(0) == 1 / w, f(w - 1) == 1.0)
        otherwise:  f(s) = min_factor + (1 - min_factor) * (1 + cos(pi * p)) / 2
                    with p = min((s - w + 1) / (total_steps - w), 1)
    so the last step, s = total_steps - 1, uses exactly min_factor, and later calls stay
    there. warmup_steps = 0 means no warmup, the same as warmup_steps = 1: f(0) == 1.0, the
    full rate. Returns Python floats. Raises ValueError when warmup_steps < 0, total_steps <= w
    or min_factor is outside [0, 1].
    """
    if warmup_steps < 0:
        raise ValueError(f"warmup_steps must be >= 0, got {warmup_steps}")
    warmup = max(warmup_steps, 1)  # no warmup: step 0 is the peak, as with one warmup step
    if total_steps <= warmup:
        raise ValueError(
            f"total_steps ({total_steps}) must exceed max(warmup_steps, 1) ({warmup}): the "
            f"decay needs a step after the peak"
        )
    if not 0.0 <= min_factor <= 1.0:
        raise ValueError(f"min_factor must be in [0, 1], got {min_factor}")

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup  # the first step already learns; 1.0 at the last
        progress = min((step - warmup + 1) / (total_steps - warmup), 1.0)  # 1 at the last step
        return min_factor + (1 - min_factor) * (1 + math.cos(math.pi * progress)) / 2

    return factor


def plateau_lrs(
    metrics: Iterable[float],
    lr: float,
    mode: str = "min",
    factor: float = 0.1,
    patience: int = 10,
    threshold: float = 1e-4,
    threshold_mode: str = "rel",
    cooldown: int = 0,
    min_lr: float = 0.0,
    eps: float = 1e-8,
) -> list[float]:
    """The learning rate after each ReduceLROnPlateau.step(metric), computed by hand.

    The arguments and semantics of torch.optim.lr_scheduler.ReduceLROnPlateau. best starts
    at +inf (mode "min") or -inf ("max"). A metric is better than best when, in mode "min",
    metric < best * (1 - threshold) ("rel") or metric < best - threshold ("abs"); in mode
    "max", metric > best * (1 + threshold) or metric > best + threshold. Per metric: if
    better, best = metric and the bad-epoch count is 0, else the count goes up by one;
    during a cooldown (the cooldown counter > 0) the counter goes down by one and the bad
    count is set to 0; then, if the bad count is MORE than patience, the lr becomes
    max(lr * factor, min_lr) (only if that lowers it by more than eps), the cooldown
    counter is set to cooldown and the bad count to 0. Returns one lr per metric.
    Raises ValueError for a mode or threshold_mode not listed, or factor >= 1.
    """
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
    if threshold_mode not in ("rel", "abs"):
        raise ValueError(f"threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
    if factor >= 1.0:
        raise ValueError(f"factor must be < 1, got {factor}")

    def better(a: float, best: float) -> bool:
        if mode == "min":
            return a < (best * (1 - threshold) if threshold_mode == "rel" else best - threshold)
        return a > (best * (1 + threshold) if threshold_mode == "rel" else best + threshold)

    best = math.inf if mode == "min" else -math.inf
    bad, cooldown_left, lrs = 0, 0, []
    for metric in metrics:
        metric = float(metric)
        if better(metric, best):
            best, bad = metric, 0
        else:
            bad += 1
        if cooldown_left > 0:  # bad epochs during a cooldown do not count
            cooldown_left -= 1
            bad = 0
        if bad > patience:  # MORE than patience bad epochs in a row
            new_lr = max(lr * factor, min_lr)
            if lr - new_lr > eps:
                lr = new_lr
            cooldown_left, bad = cooldown, 0
        lrs.append(lr)
    return lrs


def train(
    model: nn.Module,
    loader: Iterable[tuple[Tensor, Tensor]],
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler | torch.optim.lr_scheduler.ReduceLROnPlateau,
    epochs: int,
    interval: str = "epoch",
    val_fn: Callable[[], float] | None = None,
) -> list[float]:
    """Train for epochs epochs, stepping the scheduler in the right place.

    Per batch: zero_grad, forward, loss, backward, optimizer.step(). scheduler.step() comes
    AFTER optimizer.step(): after each optimizer.step() when interval == "batch" (OneCycleLR,
    a warmup LambdaLR), once after each epoch's last batch when interval == "epoch" (StepLR,
    CosineAnnealingLR). A ReduceLROnPlateau is stepped once per epoch with the validation
    metric, scheduler.step(val_fn()), val_fn being called once per epoch after training.
    Returns the learning rate of every optimizer step, in order
    (optimizer.param_groups[0]["lr"] as that step used it): epochs * len(loader) floats.
    Raises ValueError when interval is neither "batch" nor "epoch", or when the scheduler
    is a ReduceLROnPlateau and val_fn is None or interval is "batch".
    """
    if interval not in ("batch", "epoch"):
        raise ValueError(f"interval must be 'batch' or 'epoch', got {interval!r}")
    plateau = isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
    if plateau and (val_fn is None or interval == "batch"):
        raise ValueError("ReduceLROnPlateau is stepped once per epoch with val_fn()")
    lrs = []
    for _ in range(epochs):
        model.train()
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            lrs.append(optimizer.param_groups[0]["lr"])  # the rate this step uses
            optimizer.step()
            if interval == "batch":
                scheduler.step()  # after optimizer.step(), or the first rate is skipped
        if plateau:
            scheduler.step(val_fn())  # the validation metric, not the training loss
        elif interval == "epoch":
            scheduler.step()
    return lrs
