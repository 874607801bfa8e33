"""Mistake: no record_stream for the tensor handed to the consumer's stream.

It was allocated while the side stream was current; once the consumer drops it, the
caching allocator may give its memory to the next copy on the side stream while the
consumer's kernels still read it.
"""

import torch

CAUGHT_BY = "ops.record_stream"
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
    consumer.wait_event(copied)
    return on_device
