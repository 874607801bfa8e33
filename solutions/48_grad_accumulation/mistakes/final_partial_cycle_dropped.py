"""Mistake: step only when (i + 1) % accumulation_steps == 0.

The micro-batches after the last full cycle are backpropagated but never stepped on: the
end of every epoch is silently lost (and its gradients leak into the next epoch).
"""

CAUGHT_BY = "forgetting the final partial cycle"
REJECTED_BY = "test_one_step_per_cycle_including_the_final_partial_one"


def train_accumulated(model, optimizer, micro_batches, loss_fn, accumulation_steps):
    if accumulation_steps < 1:
        raise ValueError("accumulation_steps must be at least 1")
    losses, total = [], 0.0
    optimizer.zero_grad()
    for i, (x, y) in enumerate(micro_batches):
        start = i - i % accumulation_steps
        cycle = micro_batches[start : start + accumulation_steps]
        samples = sum(len(c) for c, _ in cycle)
        loss = loss_fn(model(x), y) * (len(x) / samples)
        loss.backward()
        total += loss.item()
        if (i + 1) % accumulation_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
            losses.append(total)
            total = 0.0
    return losses
