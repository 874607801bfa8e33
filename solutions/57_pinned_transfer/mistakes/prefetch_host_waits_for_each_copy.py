"""Mistake: event.synchronize() before yielding each batch.

The values are right, but the host stops until the copy is done: the copy no longer
overlaps anything. stream.wait_event makes the GPU wait instead.
"""

import torch

CAUGHT_BY = "the host waited for it"
REJECTED_BY = "test_prefetch_copies_on_one_side_stream_and_hands_over_without_blocking"


def prefetch(batches, device, ops=None):
    device = torch.device(device)
    if device.type != "cuda":
        yield from batches
        return
    side = ops.new_stream(device)
    waiting = None
    for i, batch in enumerate(batches):
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
    copied.synchronize()
    consumer.wait_event(copied)
    ops.record_stream(on_device, consumer)
    return on_device
