"""Mistake: no zero_grad anywhere in train_accumulated.

Every step then also applies all earlier cycles' gradients (and whatever was in .grad
before the call): the updates grow with time.
"""

CAUGHT_BY = "never cleared"
REJECTED_BY = "test_each_step_sees_the_big_batch_gradient"


def train_accumulated(model, optimizer, micro_batches, loss_fn, accumulation_steps):
    if accumulation_steps < 1:
        raise ValueError("accumulation_steps must be at least 1")
    losses = []
    for start in range(0, len(micro_batches), accumulation_steps):
        cycle = micro_batches[start : start + accumulation_steps]
        samples = sum(len(x) for x, _ in cycle)
        total = 0.0
        for x, y in cycle:
            loss = loss_fn(model(x), y) * (len(x) / samples)
            loss.backward()
            total += loss.item()
        optimizer.step()
        losses.append(total)
    return losses
