"""Mistake: the cycle's weighted losses added up, and one backward() per cycle.

The step is right, but all micro-batches' graphs (their activations) are alive until that
backward: exactly the memory accumulation was meant to save.
"""

CAUGHT_BY = "one backward at the end of the cycle"
REJECTED_BY = "test_training_backpropagates_each_micro_batch_before_the_next"


def train_accumulated(model, optimizer, micro_batches, loss_fn, accumulation_steps):
    if accumulation_steps < 1:
        raise ValueError("accumulation_steps must be at least 1")
    losses = []
    for start in range(0, len(micro_batches), accumulation_steps):
        cycle = micro_batches[start : start + accumulation_steps]
        samples = sum(len(x) for x, _ in cycle)
        optimizer.zero_grad()
        total = sum(loss_fn(model(x), y) * (len(x) / samples) for x, y in cycle)
        total.backward()
        optimizer.step()
        losses.append(total.item())
    return losses
