"""Kata 46: diagnosing under- and overfitting from loss curves, and regularising with
dropout and weight decay. See README.md in this folder."""

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def diagnose(
    train_losses: Sequence[float],
    val_losses: Sequence[float],
    target_loss: float,
    min_rise: float = 0.05,
) -> tuple[str, int | None]:
    """Read a run's loss curves: returns (verdict, epoch), epochs counted from 0.

    train_losses, val_losses: one loss per epoch (Python floats; lists or tuples), of the
    same length >= 1. They are not modified. target_loss >= 0: the training loss a good
    fit reaches. min_rise > 0: how far (relative) the validation loss must end above its
    best to count as rising. The first rule that holds decides:

    1. ("diverged", e): some loss is NaN or infinite; e is the first epoch at which
       either curve has one.
    2. ("overfitting", e): the last validation loss is more than min_rise above the
       best one: val[-1] > best * (1 + min_rise), best = min(val). e is the epoch after
       the LAST epoch at which the validation loss equals best: where it starts rising
       for good (after a plateau at the best, the epoch after the plateau).
    3. ("underfitting", None): the last training loss is above target_loss.
    4. ("good fit", None).

    Raises ValueError if the curves are empty or of different lengths, if a finite loss
    is negative, if target_loss < 0, or if min_rise <= 0.
    """
    if len(train_losses) == 0 or len(train_losses) != len(val_losses):
        raise ValueError(
            f"need two curves of the same length >= 1, got {len(train_losses)} and "
            f"{len(val_losses)}"
        )
    if target_loss < 0 or min_rise <= 0:
        raise ValueError(f"need target_loss >= 0 and min_rise > 0, got {target_loss}, {min_rise}")
    train, val = list(train_losses), list(val_losses)  # copies: never sort the caller's
    if any(math.isfinite(v) and v < 0 for v in train + val):
        raise ValueError("losses are >= 0; a curve holds a negative loss")
    for epoch, pair in enumerate(zip(train, val, strict=True)):
        if not all(math.isfinite(v) for v in pair):
            return "diverged", epoch
    best = min(val)
    if val[-1] > best * (1 + min_rise):
        last_best = max(i for i, v in enumerate(val) if v == best)
        return "overfitting", last_best + 1
    if train[-1] > target_loss:
        return "underfitting", None
    return "good fit", None


def mlp(in_features: int, hidden: Sequence[int], out_features: int, p: float) -> nn.Sequential:
    """An MLP classifier with dropout in the right places, as an nn.Sequential.

    Layers, in order: for each width h in hidden, Linear(previous, h), ReLU, Dropout(p);
    then Linear(hidden[-1], out_features), which gives the logits. So there is a Dropout
    after every hidden ReLU, none on the input and none on the output (dropping logits
    only adds noise to the loss). A Dropout with p = 0 is still there (it does nothing).
    Dropout is active in train mode only. Raises ValueError if hidden is empty or p is
    not in [0, 1).
    """
    if not hidden:
        raise ValueError("hidden is empty: give at least one hidden width")
    if not 0 <= p < 1:
        raise ValueError(f"p must be in [0, 1), got {p}")
    layers: list[nn.Module] = []
    previous = in_features
    for width in hidden:
        layers += [nn.Linear(previous, width), nn.ReLU(), nn.Dropout(p)]
        previous = width
    layers.append(nn.Linear(previous, out_features))  # the logits: never dropped
    return nn.Sequential(*layers)


def make_optimizer(model: nn.Module, lr: float, weight_decay: float) -> torch.optim.AdamW:
    """AdamW with weight decay on the weight matrices only.

    Two parameter groups over the model's trainable parameters (requires_grad), each in
    model.parameters() order: group 0 holds every parameter with 2 or more dimensions
    (Linear and conv weights) with weight_decay; group 1 every parameter with fewer
    (biases, norm scales and shifts) with weight_decay 0.0. Both use lr; the other AdamW
    settings are torch's defaults. Frozen parameters are in no group. AdamW's decay is
    decoupled (p -= lr * weight_decay * p at each step), unlike Adam(weight_decay=...),
    which adds weight_decay * p to the gradient (L2). Raises ValueError if lr <= 0 or
    weight_decay < 0.
    """
    if lr <= 0 or weight_decay < 0:
        raise ValueError(f"need lr > 0 and weight_decay >= 0, got {lr}, {weight_decay}")
    trainable = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in trainable if p.dim() >= 2]
    no_decay = [p for p in trainable if p.dim() < 2]
    groups = [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=lr)


def train(
    model: nn.Module, optimizer: torch.optim.Optimizer, x: Tensor, y: Tensor, epochs: int
) -> list[float]:
    """Full-batch training: one step per epoch on all of x; returns the epochs' losses.

    x: (N, D) float; y: (N,) long class indices; both on the model's device. Each epoch:
    model.train() (an earlier evaluate left the model in eval mode, and Dropout must be
    active while training), clear the gradients, loss = F.cross_entropy(model(x), y),
    backward, optimizer.step(). Returns the training loss of each epoch, before its step,
    as Python floats (a list of length epochs).
    """
    losses = []
    for _ in range(epochs):
        model.train()
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def evaluate(model: nn.Module, x: Tensor, y: Tensor) -> float:
    """The validation loss F.cross_entropy(model(x), y), as a Python float.

    Puts model in eval mode (Dropout off: the full network, deterministic) and computes
    under torch.no_grad() (no graph is built, no .grad changes). Leaves the model in eval
    mode: train() puts it back in train mode.
    """
    model.eval()
    with torch.no_grad():
        return F.cross_entropy(model(x), y).item()
