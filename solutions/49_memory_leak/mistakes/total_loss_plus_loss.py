"""Mistake: the leak itself, `total_loss += loss`, with .item() only at the end.

The returned number is right, but during the epoch total_loss chains every batch's graph
onto itself: memory grows with every batch until the function returns.
"""

CAUGHT_BY = "`total_loss += loss`"
REJECTED_BY = "test_train_epoch_keeps_no_graph_from_batch_to_batch"


def train_epoch(model, optimizer, batches, loss_fn):
    total_loss = 0.0
    for inputs, targets in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total_loss += loss
    return total_loss.item() / len(batches) if batches else 0.0
