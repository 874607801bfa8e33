"""Mistake: no check for an empty batches.

The loop never runs and None (the cleared w.grad) comes back, where the docstring asks for
ValueError: a mean over no batches is undefined.
"""

CAUGHT_BY = "expected ValueError"
REJECTED_BY = "test_accumulate_rejects_no_batches"


def accumulate_gradients(loss_fn, w, batches):
    w.grad = None
    for batch in batches:
        (loss_fn(w, batch) / len(batches)).backward()
    return w.grad
