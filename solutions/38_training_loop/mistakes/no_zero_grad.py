"""Mistake: no optimizer.zero_grad() in the training loop.

backward() adds into .grad, so every step applies the sum of this batch's gradient and all
the earlier ones.
"""

CAUGHT_BY = "gradients accumulate across steps"
REJECTED_BY = "test_one_epoch_equals_the_reference_loop_step_for_step"


def train_epoch(model, loader, loss_fn, optimizer):
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * targets.shape[0]
        count += targets.shape[0]
    if count == 0:
        raise ValueError("empty loader")
    return total / count
