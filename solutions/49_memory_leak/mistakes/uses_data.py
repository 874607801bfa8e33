"""Mistake: the "fix" total_loss += loss.data.

It does cut the graph, but .data is the old escape hatch that hides a tensor from autograd
(in-place changes through it are never detected): .item() or .detach() say what is meant.
"""

CAUGHT_BY = "read .data"
REJECTED_BY = "test_train_epoch_does_not_use_data"


def train_epoch(model, optimizer, batches, loss_fn):
    total_loss = 0.0
    for inputs, targets in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total_loss += loss.data
    return float(total_loss) / len(batches) if batches else 0.0
