"""Mistake: the "backward" label wraps nothing; loss.backward() runs after the block.

The region exists, takes no time, and the backward pass is charged to no phase.
"""

from torch.profiler import record_function

CAUGHT_BY = "loss.backward() outside"
REJECTED_BY = "test_train_step_labels_its_three_phases"


def train_step(model, inputs, targets, loss_fn, optimizer):
    optimizer.zero_grad()
    with record_function("forward"):
        loss = loss_fn(model(inputs), targets)
    with record_function("backward"):
        grads_ready = loss.requires_grad
    if grads_ready:
        loss.backward()
    with record_function("optimizer"):
        optimizer.step()
    return loss.item()
