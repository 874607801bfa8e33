"""Mistake: the training step without record_function labels.

The profile then has only operators: nothing says which belong to the forward pass, the
backward pass or the optimizer.
"""

CAUGHT_BY = "no record_function label"
REJECTED_BY = "test_train_step_labels_its_three_phases"


def train_step(model, inputs, targets, loss_fn, optimizer):
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.item()
