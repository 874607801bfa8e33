"""Mistake: list(batches) first.

A DataLoader's epoch may not fit in memory, and the first batch then waits for the last
to be loaded; read one batch ahead.
"""

import torch

CAUGHT_BY = "list(batches) up front"
REJECTED_BY = "test_prefetch_copies_the_next_batch_before_yielding_this_one"


def prefetch(batches, device, ops=None):
    device = torch.device(device)
    if device.type != "cuda":
        yield from batches
        return
    side = ops.new_stream(device)
    waiting = None
    for i, batch in enumerate(list(batches)):
        if batch.device.type != "cpu":
            raise ValueError(f"batch {i} is not in host memory")
        with ops.use(side):
            on_device = ops.copy(batch, device, non_blocking=True)
            copied = ops.new_event()
            copied.record(side)
        if waiting is not None:
            yield hand_over(*waiting, device, ops)
        waiting = (on_device, copied)
    if waiting is not None:
        yield hand_over(*waiting, device, ops)


def hand_over(on_device, copied, device, ops):
    consumer = ops.current_stream(device)
    consumer.wait_event(copied)
    ops.record_stream(on_device, consumer)
    return on_device
