"""Mistake: total_loss += loss, a tensor with its graph, converted to float only at the end.

Each addition links the new batch's graph to the running total, so every batch's graph
stays alive until the epoch ends: memory grows with the number of steps.
"""

CAUGHT_BY = "graphs of"
REJECTED_BY = "test_train_epoch_keeps_no_graph_from_earlier_batches"


def train_epoch(model, loader, loss_fn, optimizer):
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total = total + loss * targets.shape[0]
        count += targets.shape[0]
    if count == 0:
        raise ValueError("empty loader")
    return float(total) / count
