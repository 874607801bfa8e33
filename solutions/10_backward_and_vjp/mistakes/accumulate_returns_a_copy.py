"""Mistake: returning w.grad.detach().clone() instead of w.grad.

The numbers are right, but the docstring promises the same tensor object: a caller that
edits the result (clipping it in place, say) expects to edit w.grad.
"""

CAUGHT_BY = "w.grad itself"
REJECTED_BY = "test_accumulated_gradient_is_gradient_of_mean_loss"


def accumulate_gradients(loss_fn, w, batches):
    if len(batches) == 0:
        raise ValueError("batches must not be empty")
    w.grad = None
    for batch in batches:
        (loss_fn(w, batch) / len(batches)).backward()
    return w.grad.detach().clone()
