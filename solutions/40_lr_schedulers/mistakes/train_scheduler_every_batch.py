"""Mistake: scheduler.step() after every optimizer step, whatever the interval.

A per-epoch schedule (StepLR, CosineAnnealingLR with T_max in epochs) then runs through its
epochs len(loader) times too fast.
"""

import torch

CAUGHT_BY = "scheduler.step() after every batch"
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
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss_fn(model(inputs), targets).backward()
            lrs.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            if not plateau:
                scheduler.step()
        if plateau:
            scheduler.step(val_fn())
    return lrs
