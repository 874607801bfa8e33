"""Mistake: optimizer-style zeroing (w.grad = None) inside the accumulation loop.

Each batch wipes the previous ones: only the last batch's (scaled) gradient survives.
"""

CAUGHT_BY = "zeroed w.grad inside the loop"
REJECTED_BY = "test_accumulation_arithmetic_is_exact"


def accumulate_gradients(loss_fn, w, batches):
    if len(batches) == 0:
        raise ValueError("batches must not be empty")
    for batch in batches:
        w.grad = None
        (loss_fn(w, batch) / len(batches)).backward()
    return w.grad
