"""Mistake: scheduler.step() before optimizer.step() in the batch loop.

The pre-1.1 order: the first rate of the schedule is skipped, and torch warns about it.
"""

import torch

CAUGHT_BY = "before `optimizer.step()`"
REJECTED_BY = "test_step_lr_is_stepped_once_per_epoch_after_the_optimizer"


def train(model, loader, loss_fn, optimizer, scheduler, epochs, interval="epoch", val_fn=None):
    if interval not in ("batch", "epoch"):
        raise ValueError("bad interval")
    plateau = isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
    if plateau and (val_fn is None or interval == "batch"):
        raise ValueError("plateau needs val_fn, per epoch")
    lrs = []
    for _ in range(epochs):
        model.train()
        if interval == "epoch" and not plateau:
            scheduler.step()
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            if interval == "batch":
                scheduler.step()
            lrs.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
        if plateau:
            scheduler.step(val_fn())
    return lrs
