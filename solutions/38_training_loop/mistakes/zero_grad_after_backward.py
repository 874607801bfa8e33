"""Mistake: optimizer.zero_grad() between loss.backward() and optimizer.step().

The gradients are wiped just before the step uses them: nothing is ever learned.
"""

CAUGHT_BY = "between loss.backward() and optimizer.step()"
REJECTED_BY = "test_one_epoch_equals_the_reference_loop_step_for_step"


def train_epoch(model, loader, loss_fn, optimizer):
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        total += loss.item() * targets.shape[0]
        count += targets.shape[0]
    if count == 0:
        raise ValueError("empty loader")
    return total / count
