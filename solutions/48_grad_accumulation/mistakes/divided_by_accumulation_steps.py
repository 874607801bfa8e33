"""Mistake: every micro-batch's loss divided by accumulation_steps.

The common recipe: right for full cycles of equal micro-batches, wrong for a short last
micro-batch and for the final partial cycle, whose gradient comes out too small.
"""

CAUGHT_BY = "weighted wrong"
REJECTED_BY = "test_each_step_sees_the_big_batch_gradient"


def train_accumulated(model, optimizer, micro_batches, loss_fn, accumulation_steps):
    if accumulation_steps < 1:
        raise ValueError("accumulation_steps must be at least 1")
    losses = []
    for start in range(0, len(micro_batches), accumulation_steps):
        cycle = micro_batches[start : start + accumulation_steps]
        optimizer.zero_grad()
        total = 0.0
        for x, y in cycle:
            loss = loss_fn(model(x), y) / accumulation_steps
            loss.backward()
            total += loss.item()
        optimizer.step()
        losses.append(total)
    return losses
