"""Mistake: the rate recorded after optimizer.step() and scheduler.step().

For a per-batch schedule that is the NEXT step's rate: the list is shifted by one, and
never shows the rate a step really used (record it just before optimizer.step()).
"""

import torch

CAUGHT_BY = "recorded the rate after scheduler.step()"
REJECTED_BY = "test_one_cycle_is_stepped_after_every_batch"


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
            loss_fn(model(inputs), targets).backward()
            optimizer.step()
            if interval == "batch":
                scheduler.step()
            lrs.append(optimizer.param_groups[0]["lr"])
        if plateau:
            scheduler.step(val_fn())
        elif interval == "epoch":
            scheduler.step()
    return lrs
