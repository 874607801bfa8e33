"""Mistake: one forward and backward on the whole batch, micro_batch_size ignored.

The gradient is the big-batch gradient, trivially, and so is the memory: nothing was
accumulated.
"""

CAUGHT_BY = "the batch was not split"
REJECTED_BY = "test_micro_batches_run_forward_then_backward_one_at_a_time"


def accumulate_gradients(model, inputs, targets, loss_fn, micro_batch_size):
    if micro_batch_size < 1 or len(inputs) != len(targets):
        raise ValueError("bad arguments")
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    return loss.item()
