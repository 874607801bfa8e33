"""Mistake: copying each batch only when it is asked for.

The copy of batch i + 1 should run while batch i is used; issued just before yielding
it, it runs while the consumer waits.
"""

import torch

CAUGHT_BY = "no prefetching"
REJECTED_BY = "test_prefetch_copies_the_next_batch_before_yielding_this_one"


def prefetch(batches, device, ops=None):
    device = torch.device(device)
    if device.type != "cuda":
        yield from batches
        return
    side = ops.new_stream(device)
    for i, batch in enumerate(batches):
        if batch.device.type != "cpu":
            raise ValueError(f"batch {i} is not in host memory")
        with ops.use(side):
            on_device = ops.copy(batch, device, non_blocking=True)
            copied = ops.new_event()
            copied.record(side)
        yield hand_over(on_device, copied, device, ops)


def hand_over(on_device, copied, device, ops):
    consumer = ops.current_stream(device)
    consumer.wait_event(copied)
    ops.record_stream(on_device, consumer)
    return on_device
