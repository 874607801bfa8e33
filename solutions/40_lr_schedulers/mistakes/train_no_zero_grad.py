"""Mistake: the training loop never clears the gradients.

The scheduler is stepped right, but every step applies the sum of all gradients so far.
"""

import torch

CAUGHT_BY = "zero_grad forgotten"
REJECTED_BY = "test_training_actually_trains"


def train(model, loader, loss_fn, optimizer, scheduler, epochs, interval="epoch", val_fn=None):
    if interval not in ("batch", "epoch"):
        raise ValueError("bad interval")
    plateau = isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
    if plateau and (val_fn is None or interval == "batch"):
        raise ValueError("plateau needs val_fn, per epoch")
    lrs = []
    for _ in range(epochs):
        model.train()
        for inputs, targets in loader:
            loss_fn(model(inputs), targets).backward()
            lrs.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            if interval == "batch":
                scheduler.step()
        if plateau:
            scheduler.step(val_fn())
        elif interval == "epoch":
            scheduler.step()
    return lrs
