"""Mistake: optimizer.zero_grad() before every micro-batch's backward.

Each backward then replaces what the cycle accumulated so far: the step sees only the
last micro-batch's (weighted) gradient.
"""

CAUGHT_BY = "zero_grad every micro-batch"
REJECTED_BY = "test_one_step_per_cycle_including_the_final_partial_one"


def train_accumulated(model, optimizer, micro_batches, loss_fn, accumulation_steps):
    if accumulation_steps < 1:
        raise ValueError("accumulation_steps must be at least 1")
    losses = []
    for start in range(0, len(micro_batches), accumulation_steps):
        cycle = micro_batches[start : start + accumulation_steps]
        samples = sum(len(x) for x, _ in cycle)
        total = 0.0
        for x, y in cycle:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y) * (len(x) / samples)
            loss.backward()
            total += loss.item()
        optimizer.step()
        losses.append(total)
    return losses
