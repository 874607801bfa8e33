"""Mistake: every micro-batch's loss divided by k, the number of micro-batches.

Right only when all micro-batches are equal; a short last one (B % size samples) then
counts as much as a full one, so its samples weigh more than the others.
"""

import math

CAUGHT_BY = "short last micro-batch weighted as much as a full one"
REJECTED_BY = "test_accumulated_gradient_equals_the_big_batch_gradient"


def accumulate_gradients(model, inputs, targets, loss_fn, micro_batch_size):
    if micro_batch_size < 1 or len(inputs) != len(targets):
        raise ValueError("bad arguments")
    k = math.ceil(len(inputs) / micro_batch_size)
    total = 0.0
    for x, y in zip(inputs.split(micro_batch_size), targets.split(micro_batch_size), strict=True):
        loss = loss_fn(model(x), y) / k
        loss.backward()
        total += loss.item()
    return total
