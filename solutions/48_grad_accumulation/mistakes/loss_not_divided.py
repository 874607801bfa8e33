"""Mistake: each micro-batch's mean loss backpropagated as it is, not divided by k.

backward() adds the gradients up, so k micro-batches give k times the big-batch gradient:
the same as a k times larger learning rate (and a different one for Adam's epsilon).
"""

CAUGHT_BY = "loss not divided by k"
REJECTED_BY = "test_accumulated_gradient_equals_the_big_batch_gradient"


def accumulate_gradients(model, inputs, targets, loss_fn, micro_batch_size):
    if micro_batch_size < 1 or len(inputs) != len(targets):
        raise ValueError("bad arguments")
    total = 0.0
    for x, y in zip(inputs.split(micro_batch_size), targets.split(micro_batch_size), strict=True):
        loss = loss_fn(model(x), y)
        loss.backward()
        total += loss.item() * len(x) / len(inputs)
    return total
