"""Mistake: walking the batches from the last to the first.

The docstring promises one loss_fn call per batch, in order: a loss_fn with state (a data
stream, a learning-rate schedule, a log) sees them reversed.
"""

CAUGHT_BY = "in order"
REJECTED_BY = "test_accumulated_gradient_is_gradient_of_mean_loss"


def accumulate_gradients(loss_fn, w, batches):
    if len(batches) == 0:
        raise ValueError("batches must not be empty")
    w.grad = None
    for batch in reversed(batches):
        (loss_fn(w, batch) / len(batches)).backward()
    return w.grad
