"""Mistake: optimizer.step() (and zero_grad) after every micro-batch.

That is plain small-batch training with a smaller learning rate, not accumulation: one
update per micro-batch instead of one per cycle.
"""

CAUGHT_BY = "stepped every micro-batch"
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
            loss = loss_fn(model(x), y) * (len(x) / samples)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            total += loss.item()
        losses.append(total)
    return losses
