"""Mistake: summing all the batch losses and calling backward() once at the end.

Same gradient, but every batch's graph is held in memory at once: exactly what gradient
accumulation exists to avoid.
"""

CAUGHT_BY = "one backward() on the summed losses"
REJECTED_BY = "test_accumulation_arithmetic_is_exact"


def accumulate_gradients(loss_fn, w, batches):
    if len(batches) == 0:
        raise ValueError("batches must not be empty")
    w.grad = None
    total = sum(loss_fn(w, batch) for batch in batches) / len(batches)
    total.backward()
    return w.grad
