"""Mistake: the weighted micro-batch losses summed, and one backward() at the end.

The gradient is right, but every micro-batch's graph (its activations) is alive until
that backward: the memory of the big batch, which is what accumulation was meant to avoid.
"""

CAUGHT_BY = "one backward at the end"
REJECTED_BY = "test_micro_batches_run_forward_then_backward_one_at_a_time"


def accumulate_gradients(model, inputs, targets, loss_fn, micro_batch_size):
    if micro_batch_size < 1 or len(inputs) != len(targets):
        raise ValueError("bad arguments")
    total = 0
    for x, y in zip(inputs.split(micro_batch_size), targets.split(micro_batch_size), strict=True):
        total = total + loss_fn(model(x), y) * (len(x) / len(inputs))
    total.backward()
    return total.item()
