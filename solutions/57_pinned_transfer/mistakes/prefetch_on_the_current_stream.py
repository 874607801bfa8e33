"""Mistake: copies issued on the current stream (no side stream).

A stream runs in order: the copy waits for the compute queued before it, and the compute
for the copy. Nothing overlaps.
"""

import torch

CAUGHT_BY = "no `with ops.use(side):`"
REJECTED_BY = "test_prefetch_copies_on_one_side_stream_and_hands_over_without_blocking"


def prefetch(batches, device, ops=None):
    device = torch.device(device)
    if device.type != "cuda":
        yield from batches
        return
    waiting = None
    for i, batch in enumerate(batches):
        if batch.device.type != "cpu":
            raise ValueError(f"batch {i} is not in host memory")
        on_device = ops.copy(batch, device, non_blocking=True)
        copied = ops.new_event()
        copied.record(ops.current_stream(device))
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
