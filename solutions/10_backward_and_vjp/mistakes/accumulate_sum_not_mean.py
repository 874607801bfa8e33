"""Mistake: accumulating the unscaled batch losses.

Accumulation sums gradients, so without dividing by the number of batches the result is
n times the gradient of the mean loss (an effective learning rate n times too large).
"""

CAUGHT_BY = "the sum instead of the mean"
REJECTED_BY = "test_accumulated_gradient_is_gradient_of_mean_loss"


def accumulate_gradients(loss_fn, w, batches):
    if len(batches) == 0:
        raise ValueError("batches must not be empty")
    w.grad = None
    for batch in batches:
        loss_fn(w, batch).backward()
    return w.grad
