"""Mistake: ReduceLROnPlateau stepped with the last training loss.

The schedule is meant to follow the validation metric: the training loss keeps falling
while the model overfits, so the rate is never reduced when it should be.
"""

import torch

CAUGHT_BY = "stepping ReduceLROnPlateau with the training loss"
REJECTED_BY = "test_plateau_is_stepped_with_the_validation_metric"


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
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            lrs.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            if interval == "batch":
                scheduler.step()
        if plateau:
            val_fn()
            scheduler.step(loss.item())
        elif interval == "epoch":
            scheduler.step()
    return lrs
