"""Mistake: train_epoch never calls model.train().

A model left in eval mode by an earlier evaluation then trains with Dropout off and
BatchNorm frozen on its running statistics.
"""

CAUGHT_BY = "trained in eval mode"
REJECTED_BY = "test_train_epoch_switches_an_eval_mode_model_to_train_mode"


def train_epoch(model, loader, loss_fn, optimizer):
    total, count = 0.0, 0
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * targets.shape[0]
        count += targets.shape[0]
    if count == 0:
        raise ValueError("empty loader")
    return total / count
