"""Mistake: losses.append(loss.detach()), averaged at the end.

No graph is kept, but one tensor per batch accumulates on the device for the whole epoch.
"""

CAUGHT_BY = "one more tensor kept per batch"
REJECTED_BY = "test_train_epoch_keeps_no_tensor_per_batch"


def train_epoch(model, optimizer, batches, loss_fn):
    losses = []
    for inputs, targets in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
    return sum(loss.item() for loss in losses) / len(losses) if losses else 0.0
