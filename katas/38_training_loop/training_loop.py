"""Kata 38: the canonical training loop and a correct evaluation. See README.md in this folder.

A loader here is any iterable of (inputs, targets) batches, already on the model's device:
a torch.utils.data.DataLoader, or a plain list of tuples. loss_fn(outputs, targets) returns
the MEAN loss of one batch, a 0-d tensor (nn.CrossEntropyLoss() does). The batch size of a
batch is targets.shape[0]; the last batch may be shorter than the others.
"""

from collections.abc import Callable, Iterable

import torch
from torch import Tensor, nn

Batches = Iterable[tuple[Tensor, Tensor]]
LossFn = Callable[[Tensor, Tensor], Tensor]


def train_epoch(
    model: nn.Module, loader: Batches, loss_fn: LossFn, optimizer: torch.optim.Optimizer
) -> float:
    """One pass over loader, one optimisation step per batch, in train mode.

    Puts the model in train mode first (model.train(): Dropout active, BatchNorm on batch
    statistics), whatever mode it arrived in, and leaves it in train mode. Per batch, in
    this order: clear old gradients, forward, loss, backward, optimizer.step() (once).
    Returns the epoch's mean training loss as a Python float: each batch's loss (taken
    before its own update) weighted by its batch size, divided by the number of examples.
    Keeps no autograd graph from one batch to the next (accumulate loss.item(), a float).
    Raises ValueError when the loader yields no batch.
    """
    # TODO: model.train(); per batch zero_grad, forward, loss, backward, step;
    # a running sum of loss.item() * batch size and a count of examples
    raise NotImplementedError("TODO: train_epoch(model, loader, loss_fn, optimizer)")


def evaluate(model: nn.Module, loader: Batches, loss_fn: LossFn) -> tuple[float, float]:
    """The mean loss and the accuracy of model over every example of loader, in eval mode.

    outputs are logits of shape (B, C) and targets class indices of shape (B,) long.
    Returns (mean_loss, accuracy), two Python floats: the loss of each batch weighted by
    its batch size and divided by the number of examples (not the mean of the batch means),
    and the fraction of examples whose argmax over classes equals the target.
    Runs the model in eval mode (Dropout off, BatchNorm on its running statistics, which
    stay unchanged) and builds no autograd graph (torch.no_grad or torch.inference_mode).
    Afterwards every submodule is back in the mode it had before (a model in train mode
    goes back to train mode; a BatchNorm that was kept in eval stays in eval). Changes no
    parameter, buffer or .grad. Raises ValueError when the loader yields no batch.
    """
    # TODO: remember each module's .training, model.eval(), torch.no_grad(), sums weighted
    # by batch size, then put every module back as it was
    raise NotImplementedError("TODO: evaluate(model, loader, loss_fn)")


def fit(
    model: nn.Module,
    train_loader: Batches,
    val_loader: Batches,
    loss_fn: LossFn,
    optimizer: torch.optim.Optimizer,
    epochs: int,
) -> list[dict[str, float]]:
    """Train for epochs epochs, validating after each one; the model ends in train mode.

    Each epoch is train_epoch on train_loader, then evaluate on val_loader. Returns one dict
    per epoch, {"train_loss": ..., "val_loss": ..., "val_accuracy": ...}, Python floats
    as train_epoch and evaluate return them. The loaders are iterated once per epoch each.
    """
    # TODO: a loop over epochs calling your train_epoch and evaluate
    raise NotImplementedError(
        "TODO: fit(model, train_loader, val_loader, loss_fn, optimizer, epochs)"
    )
