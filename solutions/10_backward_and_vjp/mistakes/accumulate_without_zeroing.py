"""Mistake: accumulating into w.grad without clearing the stale gradient first.

backward() adds to whatever .grad holds, so the previous step's gradient is added in.
"""

CAUGHT_BY = "did not zero w.grad first"
REJECTED_BY = "test_accumulated_gradient_is_gradient_of_mean_loss"


def accumulate_gradients(loss_fn, w, batches):
    if len(batches) == 0:
        raise ValueError("batches must not be empty")
    for batch in batches:
        (loss_fn(w, batch) / len(batches)).backward()
    return w.grad
