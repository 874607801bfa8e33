"""Mistake: the epoch's training loss as the mean of the batch losses.

A short last batch then weighs as much as a full one; the mean over examples weights each
batch by its size.
"""

CAUGHT_BY = "mean of the batch means"
REJECTED_BY = "test_train_epoch_weights_the_short_last_batch_by_its_size"


def train_epoch(model, loader, loss_fn, optimizer):
    model.train()
    losses = []
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    if not losses:
        raise ValueError("empty loader")
    return sum(losses) / len(losses)
