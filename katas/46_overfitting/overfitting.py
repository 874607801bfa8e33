"""Kata 46: diagnosing under- and overfitting from loss curves, and regularising with
dropout and weight decay. See README.md in this folder."""

from collections.abc import Sequence

import torch
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
    # TODO: check the inputs; then the rules in order: a non-finite loss, a validation loss
    # that ended more than min_rise above its best (and the epoch after the last best),
    # a training loss above target_loss
    raise NotImplementedError("TODO: diagnose(train_losses, val_losses, target_loss, min_rise)")


def mlp(in_features: int, hidden: Sequence[int], out_features: int, p: float) -> nn.Sequential:
    """An MLP classifier with dropout in the right places, as an nn.Sequential.

    Layers, in order: for each width h in hidden, Linear(previous, h), ReLU, Dropout(p);
    then Linear(hidden[-1], out_features), which gives the logits. So there is a Dropout
    after every hidden ReLU, none on the input and none on the output (dropping logits
    only adds noise to the loss). A Dropout with p = 0 is still there (it does nothing).
    Dropout is active in train mode only. Raises ValueError if hidden is empty or p is
    not in [0, 1).
    """
    # TODO: [Linear, ReLU, Dropout(p)] for each hidden width, then the output Linear
    raise NotImplementedError("TODO: mlp(in_features, hidden, out_features, p)")


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
    # TODO: split the trainable parameters by p.dim(): matrices decay, vectors do not;
    # torch.optim.AdamW([{...}, {...}], lr=lr)
    raise NotImplementedError("TODO: make_optimizer(model, lr, weight_decay)")


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
    # TODO: model.train() every epoch, then zero_grad, cross_entropy, backward, step
    raise NotImplementedError("TODO: train(model, optimizer, x, y, epochs)")


def evaluate(model: nn.Module, x: Tensor, y: Tensor) -> float:
    """The validation loss F.cross_entropy(model(x), y), as a Python float.

    Puts model in eval mode (Dropout off: the full network, deterministic) and computes
    under torch.no_grad() (no graph is built, no .grad changes). Leaves the model in eval
    mode: train() puts it back in train mode.
    """
    # TODO: model.eval() and torch.no_grad()
    raise NotImplementedError("TODO: evaluate(model, x, y)")
