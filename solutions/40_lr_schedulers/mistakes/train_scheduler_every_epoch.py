"""Mistake: scheduler.step() once per epoch, whatever the interval.

OneCycleLR and a warmup LambdaLR count optimizer steps: stepped per epoch they barely move.
"""

import torch

CAUGHT_BY = "scheduler.step() once per epoch"
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
            lrs.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
        if plateau:
            scheduler.step(val_fn())
        else:
            scheduler.step()
    return lrs
