"""Mistake: w.data.zero_() to clear the stale gradient, instead of w.grad = None.

It zeroes the weights themselves: every loss is then taken at w = 0 and the caller's
parameters are gone. Only w.grad may change.
"""

CAUGHT_BY = "the caller's w changed"
REJECTED_BY = "test_accumulated_gradient_is_gradient_of_mean_loss"


def accumulate_gradients(loss_fn, w, batches):
    if len(batches) == 0:
        raise ValueError("batches must not be empty")
    w.data.zero_()
    w.grad = None
    for batch in batches:
        (loss_fn(w, batch) / len(batches)).backward()
    return w.grad
